"""The HSDS 3.0 read API: the API root, pages and single records, and the exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response, StreamingResponse
from fastapi.routing import APIRoute

from harbour_directory.hsds import service
from harbour_directory.hsds.schemas import (
    NDJSON,
    ApiInfo,
    Full,
    FullService,
    Id,
    Ids,
    Locale,
    Minimal,
    Organization,
    OrganizationPage,
    Paging,
    Search,
    Service,
    ServiceAtLocation,
    ServicePage,
)
from harbour_kit.app import ServiceDep
from harbour_kit.auth import OptionalPrincipal, Principal, Role, require_roles
from harbour_kit.errors import HarbourError, problem_responses

SHOWN = 20  # unknown parameters named in one refusal


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation reads, its dependencies' included."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def only_documented_parameters(request: Request) -> None:
    """Refuses query parameters the operation does not read: an HSDS client learns, not guesses."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise HarbourError(
            f"Unknown query parameter(s): {', '.join(n[:60] for n in unknown[:SHOWN])}. "
            f"This operation reads: {', '.join(sorted(known)) or 'none'}.",
            code="unknown-parameter",
            status=400,
            errors=[
                {"field": name[:60], "message": "is not a parameter of this operation"}
                for name in unknown[:SHOWN]
            ],
        )


router = APIRouter(dependencies=[Depends(only_documented_parameters)])
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
STREAM = {
    "description": "A page; with format=ndjson every match, one JSON record per line",
    "content": {NDJSON: {"schema": {"type": "string"}}},
}


class ZipResponse(Response):
    """A zip archive."""

    media_type = "application/zip"


ZIP = {"content": {ZipResponse.media_type: {"schema": {"type": "string", "format": "binary"}}}}


@router.get(
    "/", tags=["hsds"], summary="HSDS API information", responses=problem_responses(400, 500)
)
async def api_root() -> ApiInfo:
    return ApiInfo(
        version="3.0",
        profile="https://harbour.example/hsds-profile",
        openapi_url="/openapi.json",
        name="Harbour directory",
    )


@router.get(
    "/services",
    tags=["hsds"],
    summary="Services (HSDS page, or every match as ndjson)",
    response_model=ServicePage,
    response_model_exclude_unset=True,
    responses={200: STREAM, **problem_responses(400, 401, 422)},
)
async def list_services(
    svc: ServiceDep,
    principal: OptionalPrincipal,
    paging: Annotated[Paging, Depends()],
    ids: Ids = None,
    organization_id: Id = None,
    taxonomy_term_id: Id = None,
    taxonomy_id: Annotated[
        str | None, Query(max_length=200, description="Services with any term of this taxonomy")
    ] = None,
    search: Search = None,
    modified_after: Annotated[datetime | None, Query()] = None,
    minimal: Minimal = False,
    full: Full = False,
    locale: Locale = None,
) -> ServicePage | StreamingResponse:
    number, per_page = paging.checked(minimal=minimal, full=full)
    who = service.viewer(principal=principal, locale=locale)
    listing = service.services_listing(
        ids=service.split_ids(ids),
        organization_id=organization_id,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        words=search,
        modified_after=modified_after,
        full=full,
        minimal=minimal,
    )
    if paging.streamed:
        return StreamingResponse(
            service.ndjson(factory=svc.factory, model=Service, listing=listing, who=who),
            media_type=NDJSON,
        )
    async with svc.factory() as session:
        return await service.page_of(
            session=session,
            model=ServicePage,
            where=listing.where,
            who=who,
            number=number,
            per_page=per_page,
            listing=listing,
        )


@router.get(
    "/services/{service_id}",
    tags=["hsds"],
    summary="One service, fully nested",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401, 404, 422),
)
async def get_service(
    service_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> Service:
    async with svc.factory() as session:
        who = service.viewer(principal=principal, locale=locale)
        return await service.record(session=session, model=Service, record_id=service_id, who=who)


@router.get(
    "/organizations",
    tags=["hsds"],
    summary="Organizations (HSDS page, or every match as ndjson)",
    response_model=OrganizationPage,
    response_model_exclude_unset=True,
    responses={200: STREAM, **problem_responses(400, 401, 422)},
)
async def list_organizations(
    svc: ServiceDep,
    principal: OptionalPrincipal,
    paging: Annotated[Paging, Depends()],
    ids: Ids = None,
    search: Search = None,
    full: Full = False,
    full_service: FullService = False,
    locale: Locale = None,
) -> OrganizationPage | StreamingResponse:
    number, per_page = paging.checked()
    who = service.viewer(principal=principal, locale=locale)
    listing = service.organizations_listing(
        ids=service.split_ids(ids), words=search, full=full, full_service=full_service
    )
    if paging.streamed:
        return StreamingResponse(
            service.ndjson(factory=svc.factory, model=Organization, listing=listing, who=who),
            media_type=NDJSON,
        )
    async with svc.factory() as session:
        return await service.page_of(
            session=session,
            model=OrganizationPage,
            where=listing.where,
            who=who,
            number=number,
            per_page=per_page,
            listing=listing,
        )


@router.get(
    "/organizations/{organization_id}",
    tags=["hsds"],
    summary="One organization, nested, with its services (fully with full_service)",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401, 404, 422),
)
async def get_organization(
    organization_id: str,
    svc: ServiceDep,
    principal: OptionalPrincipal,
    full_service: FullService = False,
    locale: Locale = None,
) -> Organization:
    async with svc.factory() as session:
        who = service.viewer(principal=principal, locale=locale)
        return await service.record(
            session=session,
            model=Organization,
            record_id=organization_id,
            who=who,
            shape=service.organization_shape(full=True, full_service=full_service),
        )


@router.get(
    "/service_at_locations/{sal_id}",
    tags=["hsds"],
    summary="One service at a location",
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401, 404, 422),
)
async def get_service_at_location(
    sal_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> ServiceAtLocation:
    async with svc.factory() as session:
        who = service.viewer(principal=principal, locale=locale)
        return await service.record(
            session=session, model=ServiceAtLocation, record_id=sal_id, who=who
        )


@router.get(
    "/export",
    summary="Full HSDS 3.0 JSON export (organisations, nested)",
    tags=["portability"],
    response_model_exclude_unset=True,
    responses=problem_responses(400, 401),
)
async def export_json(svc: ServiceDep, principal: OptionalPrincipal) -> list[Organization]:
    async with svc.factory() as session:
        return await service.export(
            session=session, who=service.viewer(principal=principal, locale=None)
        )


@router.get(
    "/export/tabular",
    summary="HSDS 3.0 tabular export (CSV datapackage, zip)",
    tags=["portability"],
    response_class=ZipResponse,
    responses={200: ZIP, **problem_responses(400, 401, 403)},
)
async def export_tabular(svc: ServiceDep, _: NetworkAdmin) -> ZipResponse:
    async with svc.factory() as session:
        archive = await service.export_zip(session=session)
    return ZipResponse(
        archive,
        headers={"Content-Disposition": 'attachment; filename="harbour-hsds.zip"'},
    )
