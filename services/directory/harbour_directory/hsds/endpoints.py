"""The HSDS 3.0 read API: the API root, pages and single records, and the exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from harbour_directory.hsds import service
from harbour_directory.hsds.schemas import (
    ApiInfo,
    Full,
    Id,
    Ids,
    Locale,
    Organization,
    OrganizationPage,
    PageNumber,
    PerPage,
    Service,
    ServiceAtLocation,
    ServicePage,
)
from harbour_kit.app import ServiceDep
from harbour_kit.auth import OptionalPrincipal, Principal, Role, require_roles
from harbour_kit.errors import problem_responses

router = APIRouter()
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


class ZipResponse(Response):
    """A zip archive."""

    media_type = "application/zip"


ZIP = {"content": {ZipResponse.media_type: {"schema": {"type": "string", "format": "binary"}}}}


@router.get("/", tags=["hsds"], summary="HSDS API information", responses=problem_responses(500))
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
    summary="Services (HSDS page)",
    response_model_exclude_unset=True,
    responses=problem_responses(401, 422),
)
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
) -> ServicePage:
    async with svc.factory() as session:
        return await service.list_services(
            session=session,
            who=service.viewer(principal=principal, locale=locale),
            ids=service.split_ids(ids),
            organization_id=organization_id,
            taxonomy_term_id=taxonomy_term_id,
            words=search,
            modified_after=modified_after,
            full=full,
            number=page_number,
            per_page=per_page,
        )


@router.get(
    "/services/{service_id}",
    tags=["hsds"],
    summary="One service, fully nested",
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
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
    summary="Organizations (HSDS page)",
    response_model_exclude_unset=True,
    responses=problem_responses(401, 422),
)
async def list_organizations(
    svc: ServiceDep,
    principal: OptionalPrincipal,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
    ids: Ids = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    full: Full = False,
    locale: Locale = None,
) -> OrganizationPage:
    async with svc.factory() as session:
        return await service.list_organizations(
            session=session,
            who=service.viewer(principal=principal, locale=locale),
            ids=service.split_ids(ids),
            words=search,
            full=full,
            number=page_number,
            per_page=per_page,
        )


@router.get(
    "/organizations/{organization_id}",
    tags=["hsds"],
    summary="One organization with its services",
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
)
async def get_organization(
    organization_id: str, svc: ServiceDep, principal: OptionalPrincipal, locale: Locale = None
) -> Organization:
    async with svc.factory() as session:
        who = service.viewer(principal=principal, locale=locale)
        return await service.record(
            session=session, model=Organization, record_id=organization_id, who=who
        )


@router.get(
    "/service_at_locations/{sal_id}",
    tags=["hsds"],
    summary="One service at a location",
    response_model_exclude_unset=True,
    responses=problem_responses(401, 404, 422),
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
    responses=problem_responses(401),
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
    responses={200: ZIP, **problem_responses(401, 403)},
)
async def export_tabular(svc: ServiceDep, _: NetworkAdmin) -> ZipResponse:
    async with svc.factory() as session:
        archive = await service.export_zip(session=session)
    return ZipResponse(
        archive,
        headers={"Content-Disposition": 'attachment; filename="harbour-hsds.zip"'},
    )
