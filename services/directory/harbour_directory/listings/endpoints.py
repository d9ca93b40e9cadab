"""The HSDS 3.0 read API and the org admins' write API for listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from harbour_directory.listings import repository, service
from harbour_directory.listings.schemas import (
    OrganizationPublic,
    Page,
    ServiceCreate,
    ServicePublic,
    ServiceUpdate,
)
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import NotFound

router = APIRouter(tags=["listings"])
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN))]
PageNumber = Annotated[int, Query(ge=1, description="1-based page number")]
PerPage = Annotated[int, Query(ge=1, le=200, description="Items per page")]
Ids = Annotated[str | None, Query(description="Comma-separated ids to fetch in one call")]


def _split(ids: str | None) -> list[str] | None:
    return [i for i in ids.split(",") if i] if ids is not None else None


@router.get("/", summary="HSDS API information")
async def api_root() -> dict[str, str]:
    return {"version": "3.0", "profile": "https://openreferral.org/hsds/3.0", "name": "Harbour"}


@router.get("/services", summary="Services (HSDS page)")
async def list_services(
    svc: ServiceDep,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    ids: Ids = None,
    organization_id: Annotated[str | None, Query()] = None,
) -> Page[ServicePublic]:
    async with svc.factory() as session:
        rows, total = await repository.list_services(
            session=session,
            offset=(page - 1) * per_page,
            limit=per_page,
            ids=_split(ids),
            organization_id=organization_id,
        )
    return Page.of(
        [ServicePublic.model_validate(r) for r in rows], total=total, page=page, per_page=per_page
    )


@router.get("/services/{service_id}", summary="One service")
async def get_service(service_id: str, svc: ServiceDep) -> ServicePublic:
    async with svc.factory() as session:
        row = await repository.get_service(session=session, service_id=service_id)
    if row is None:
        raise NotFound("No such service.")
    return ServicePublic.model_validate(row)


@router.get("/organizations", summary="Organizations (HSDS page)")
async def list_organizations(
    svc: ServiceDep, page: PageNumber = 1, per_page: PerPage = 50, ids: Ids = None
) -> Page[OrganizationPublic]:
    async with svc.factory() as session:
        rows, total = await repository.list_organizations(
            session=session, offset=(page - 1) * per_page, limit=per_page, ids=_split(ids)
        )
    return Page.of(
        [OrganizationPublic.model_validate(r) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


@router.get("/organizations/{organization_id}", summary="One organization")
async def get_organization(organization_id: str, svc: ServiceDep) -> OrganizationPublic:
    async with svc.factory() as session:
        row = await repository.get_organization(session=session, organization_id=organization_id)
    if row is None:
        raise NotFound("No such organization.")
    return OrganizationPublic.model_validate(row)


@router.post(
    "/organizations/{organization_id}/services",
    status_code=201,
    summary="List a new service (org admins, own organisation)",
)
async def create_service(
    organization_id: str, data: ServiceCreate, principal: OrgAdmin, svc: ServiceDep
) -> ServicePublic:
    async with svc.uow() as session:
        created = await service.create_service(
            session=session,
            outbox=svc.outbox,
            principal=principal,
            organization_id=organization_id,
            data=data,
        )
    return ServicePublic.model_validate(created)


@router.patch("/services/{service_id}", summary="Change a service (org admins, own organisation)")
async def update_service(
    service_id: str, data: ServiceUpdate, principal: OrgAdmin, svc: ServiceDep
) -> ServicePublic:
    async with svc.uow() as session:
        updated = await service.update_service(
            session=session,
            outbox=svc.outbox,
            principal=principal,
            service_id=service_id,
            data=data,
        )
    return ServicePublic.model_validate(updated)
