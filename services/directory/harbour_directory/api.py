"""The HSDS 3.0 API with Harbour's geo extensions, and the write API for admins."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory import listings, search
from harbour_directory.geo.gazetteer import DISTRICTS, suggest
from harbour_directory.hsds import load, portability, render
from harbour_directory.hsds.ingest import KINDS, ingest_documents, ingest_tabular, unwrap
from harbour_directory.models import HSDS
from harbour_directory.search.filters import MAX_PAGE, SearchParams
from harbour_directory.settings import DirectorySettings
from harbour_kit.app import ServiceDep
from harbour_kit.auth import OptionalPrincipal, Principal, Role, require_roles
from harbour_kit.db import execute
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_kit.service import Service

router = APIRouter()
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
MAX_ID = 200  # characters of one id
PageNumber = Annotated[
    int, Query(alias="page", ge=1, le=MAX_PAGE, description="1-based page number")
]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Id = Annotated[str | None, Query(max_length=MAX_ID)]
# About a hundred ids: even percent-encoded, the URL stays within what the HTTP server reads.
Ids = Annotated[
    str | None, Query(max_length=4000, description="Comma-separated ids to fetch in one call")
]
Locale = Annotated[
    str | None,
    Query(
        max_length=35,  # the longest language tag RFC 5646 asks implementations to keep
        description="Language of text fields (fallback zh-Hant-HK → zh-Hant → en)",
    ),
]
Full = Annotated[bool, Query(description="Return fully nested records")]


def _settings(svc: Service) -> DirectorySettings:
    settings = svc.settings
    assert isinstance(settings, DirectorySettings)
    return settings


def _split(ids: str | None) -> list[str] | None:
    return [i for i in ids.split(",") if i] if ids is not None else None


def viewer(principal: Principal | None, locale: str | None) -> render.Viewer:
    """Signed-in users see confidential addresses; the public sees districts."""
    return render.Viewer(public=principal is None, locale=locale)


def page(contents: list[Any], *, total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS 3.0 page envelope."""
    pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


async def _page_of(
    session: AsyncSession,
    table: str,
    *,
    shape: render.Shape,
    who: render.Viewer,
    number: int,
    per_page: int,
    where: list[Any],
    order: Any,
) -> dict[str, Any]:
    hsds = HSDS[table]
    query = select(hsds)
    for clause in where:
        query = query.where(clause)
    total = (
        await execute(session, select(func.count()).select_from(query.subquery()))
    ).scalar_one()
    rows = await execute(
        session, query.order_by(order, hsds.c.id).offset((number - 1) * per_page).limit(per_page)
    )
    docs = await render.render(session, table, [dict(r._mapping) for r in rows], shape, who)
    return page(docs, total=total, page=number, per_page=per_page)


async def _one(
    session: AsyncSession, table: str, record_id: str, shape: render.Shape, who: render.Viewer
) -> dict[str, Any]:
    row = (await load.by_ids(session, HSDS[table], [record_id])).get(record_id)
    if row is None:
        raise NotFound(f"No such {table.replace('_', ' ')}.")
    return (await render.render(session, table, [row], shape, who))[0]


@router.get("/", summary="HSDS API information", tags=["hsds"])
async def api_root() -> dict[str, str]:
    return {
        "version": "3.0",
        "profile": "https://harbour.example/hsds-profile",
        "openapi_url": "/openapi.json",
        "name": "Harbour directory",
    }


@router.get("/services", summary="Services (HSDS page)", tags=["hsds"])
async def list_services(
    svc: ServiceDep,
    principal: OptionalPrincipal,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
    ids: Ids = None,
    organization_id: Id = None,
    taxonomy_term_id: Id = None,
    search: Annotated[str | None, Query(max_length=200, description="Words in the name")] = None,
    modified_after: Annotated[datetime | None, Query()] = None,
    full: Full = False,
    locale: Locale = None,
) -> dict[str, Any]:
    service = HSDS["service"]
    where: list[Any] = []
    if (wanted := _split(ids)) is not None:
        where.append(service.c.id.in_(wanted))
    if organization_id:
        where.append(service.c.organization_id == organization_id)
    if taxonomy_term_id:
        attribute = HSDS["attribute"]
        where.append(
            service.c.id.in_(
                select(attribute.c.link_id).where(attribute.c.taxonomy_term_id == taxonomy_term_id)
            )
        )
    if search:
        for word in search.split():
            where.append(func.lower(service.c.name).contains(word.lower(), autoescape=True))
    if modified_after:
        where.append(service.c.last_modified >= modified_after.isoformat())
    shape = render.SERVICE_FULL if full else render.SERVICE_LIST
    async with svc.factory() as session:
        return await _page_of(
            session,
            "service",
            shape=shape,
            who=viewer(principal, locale),
            number=page_number,
            per_page=per_page,
            where=where,
            order=service.c.name,
        )


@router.get("/services/{service_id}", summary="One service, fully nested", tags=["hsds"])
async def get_service(
    service_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _one(
            session, "service", service_id, render.SERVICE_FULL, viewer(principal, locale)
        )


@router.get("/organizations", summary="Organizations (HSDS page)", tags=["hsds"])
async def list_organizations(
    svc: ServiceDep,
    principal: OptionalPrincipal,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
    ids: Ids = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    full: Full = False,
    locale: Locale = None,
) -> dict[str, Any]:
    organization = HSDS["organization"]
    where: list[Any] = []
    if (wanted := _split(ids)) is not None:
        where.append(organization.c.id.in_(wanted))
    if search:
        for word in search.split():
            where.append(func.lower(organization.c.name).contains(word.lower(), autoescape=True))
    shape = render.ORGANIZATION_FULL if full else render.FLAT
    async with svc.factory() as session:
        return await _page_of(
            session,
            "organization",
            shape=shape,
            who=viewer(principal, locale),
            number=page_number,
            per_page=per_page,
            where=where,
            order=organization.c.name,
        )


@router.get(
    "/organizations/{organization_id}", summary="One organization with its services", tags=["hsds"]
)
async def get_organization(
    organization_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _one(
            session,
            "organization",
            organization_id,
            render.ORGANIZATION_FULL,
            viewer(principal, locale),
        )


@router.get(
    "/service_at_locations",
    summary="Services at locations: geosearch with filters (HSDS page)",
    tags=["search"],
)
async def search_service_at_locations(
    request: Request,
    svc: ServiceDep,
    principal: OptionalPrincipal,
    params: Annotated[SearchParams, Depends()],
) -> dict[str, Any]:
    point = await params.resolve(request.app.state.geocoding, _settings(svc))
    async with svc.factory() as session:
        found = await search.run(session, params, point, public=principal is None)
    body = page(found.items, total=found.total, page=params.page, per_page=params.per_page)
    if params.open_now or params.open_at:
        # Why a search may come back short: matches left out because they are closed then.
        body["closed_count"] = found.closed
    return body


@router.get("/service_at_locations/{sal_id}", summary="One service at a location", tags=["hsds"])
async def get_service_at_location(
    sal_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _one(
            session, "service_at_location", sal_id, render.SAL_FULL, viewer(principal, locale)
        )


@router.get("/taxonomies", summary="Taxonomies (HSDS page)", tags=["hsds"])
async def list_taxonomies(
    svc: ServiceDep,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
    locale: Locale = None,
) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _page_of(
            session,
            "taxonomy",
            shape=render.FLAT,
            who=render.Viewer(locale=locale),
            number=page_number,
            per_page=per_page,
            where=[],
            order=HSDS["taxonomy"].c.name,
        )


@router.get("/taxonomies/{taxonomy_id}", summary="One taxonomy", tags=["hsds"])
async def get_taxonomy(taxonomy_id: str, svc: ServiceDep, locale: Locale = None) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _one(
            session, "taxonomy", taxonomy_id, render.FLAT, render.Viewer(locale=locale)
        )


@router.get("/taxonomy_terms", summary="Taxonomy terms (HSDS page)", tags=["hsds"])
async def list_taxonomy_terms(
    svc: ServiceDep,
    page_number: PageNumber = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 100,
    taxonomy_id: Id = None,
    parent_id: Id = None,
    top_only: Annotated[bool, Query()] = False,
    locale: Locale = None,
) -> dict[str, Any]:
    term = HSDS["taxonomy_term"]
    where: list[Any] = []
    if taxonomy_id:
        where.append(term.c.taxonomy_id == taxonomy_id)
    if parent_id:
        where.append(term.c.parent_id == parent_id)
    if top_only:
        where.append(term.c.parent_id.is_(None))
    async with svc.factory() as session:
        return await _page_of(
            session,
            "taxonomy_term",
            shape=render.TAXONOMY_TERM,
            who=render.Viewer(locale=locale),
            number=page_number,
            per_page=per_page,
            where=where,
            order=term.c.code,
        )


@router.get("/taxonomy_terms/{term_id}", summary="One taxonomy term", tags=["hsds"])
async def get_taxonomy_term(term_id: str, svc: ServiceDep, locale: Locale = None) -> dict[str, Any]:
    async with svc.factory() as session:
        return await _one(
            session, "taxonomy_term", term_id, render.TAXONOMY_TERM, render.Viewer(locale=locale)
        )


@router.get("/places", summary="Gazetteer autocomplete (English or Chinese)", tags=["search"])
async def places(
    prefix: Annotated[str, Query(min_length=1, max_length=60)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    return {
        "contents": [
            {
                "id": p.id,
                "kind": p.kind,
                "name_en": p.name_en,
                "name_zh": p.name_zh,
                "district": p.district,
                "district_name_en": DISTRICTS[p.district].name_en,
                "latitude": p.lat,
                "longitude": p.lng,
            }
            for p in suggest(prefix, limit=limit)
        ]
    }


@router.get(
    "/export", summary="Full HSDS 3.0 JSON export (organisations, nested)", tags=["portability"]
)
async def export_json(svc: ServiceDep, principal: OptionalPrincipal) -> Response:
    async with svc.factory() as session:
        documents = await portability.export_organizations(session, viewer(principal, None))
    body = json.dumps(documents, ensure_ascii=False, default=str)
    return Response(body, media_type="application/json")


@router.get(
    "/export/tabular",
    summary="HSDS 3.0 tabular export (CSV datapackage, zip)",
    tags=["portability"],
)
async def export_tabular(svc: ServiceDep, _: NetworkAdmin) -> Response:
    async with svc.factory() as session:
        files = await portability.export_tabular(session)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="harbour-hsds.zip"'},
    )


@router.post("/import", summary="Import HSDS 3.0 JSON (network admins)", tags=["portability"])
async def import_json(
    svc: ServiceDep,
    principal: NetworkAdmin,
    kind: Annotated[str, Query(description=f"One of {', '.join(KINDS)}")],
    payload: Annotated[Any, Body()],
) -> dict[str, Any]:
    batch = ingest_documents(kind, unwrap(payload))
    async with svc.uow() as session:
        saved = await listings.save(
            session, svc.outbox, batch, principal=principal, time_zone=_settings(svc).time_zone
        )
    return saved.summary()


@router.post(
    "/import/tabular", summary="Import an HSDS 3.0 CSV datapackage (zip)", tags=["portability"]
)
async def import_tabular(
    request: Request, svc: ServiceDep, principal: NetworkAdmin
) -> dict[str, Any]:
    files = portability.unzip(await request.body())
    batch = ingest_tabular(files)
    async with svc.uow() as session:
        saved = await listings.save(
            session, svc.outbox, batch, principal=principal, time_zone=_settings(svc).time_zone
        )
    return saved.summary()


@router.put(
    "/organizations/{organization_id}", summary="Create or replace an organization", tags=["manage"]
)
async def put_organization(
    organization_id: str,
    document: Annotated[dict[str, Any], Body()],
    principal: OrgAdmin,
    svc: ServiceDep,
) -> dict[str, Any]:
    _same_id(document, organization_id)
    batch = ingest_documents("organization", [document], strict=True)
    async with svc.uow() as session:
        await listings.save(
            session, svc.outbox, batch, principal=principal, time_zone=_settings(svc).time_zone
        )
        return await _one(
            session,
            "organization",
            organization_id,
            render.ORGANIZATION_FULL,
            render.Viewer(public=False),
        )


@router.put(
    "/services/{service_id}",
    summary="Create or replace a service (org admins, own organisation)",
    tags=["manage"],
)
async def put_service(
    service_id: str,
    document: Annotated[dict[str, Any], Body()],
    principal: OrgAdmin,
    svc: ServiceDep,
) -> dict[str, Any]:
    _same_id(document, service_id)
    if not document.get("organization_id"):
        raise ValidationFailed(
            "A service names its organization.",
            errors=[{"field": "organization_id", "message": "is required"}],
        )
    batch = ingest_documents("service", [document], strict=True)
    async with svc.uow() as session:
        await listings.save(
            session, svc.outbox, batch, principal=principal, time_zone=_settings(svc).time_zone
        )
        return await _one(
            session, "service", service_id, render.SERVICE_FULL, render.Viewer(public=False)
        )


@router.delete(
    "/services/{service_id}", status_code=204, summary="Remove a service", tags=["manage"]
)
async def delete_service(service_id: str, principal: OrgAdmin, svc: ServiceDep) -> Response:
    async with svc.uow() as session:
        await listings.remove_service(session, svc.outbox, service_id, principal=principal)
    return Response(status_code=204)


@router.patch("/services/{service_id}/intake", summary="Update intake capacity", tags=["manage"])
async def patch_intake(
    service_id: str, intake: Annotated[dict[str, Any], Body()], principal: OrgAdmin, svc: ServiceDep
) -> dict[str, Any]:
    async with svc.uow() as session:
        return await listings.update_intake(
            session, svc.outbox, service_id, intake, principal=principal
        )


def _same_id(document: dict[str, Any], record_id: str) -> None:
    if document.get("id", record_id) != record_id:
        raise ValidationFailed(
            "The id in the body differs from the id in the path.",
            errors=[{"field": "id", "message": f"must be {record_id!r}"}],
        )
    document["id"] = record_id
