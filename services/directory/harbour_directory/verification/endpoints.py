"""Listing verification: admins confirm a listing is still right; network admins see freshness."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from harbour_directory.hsds.schemas import PageNumber, PerPage
from harbour_directory.settings import settings_of
from harbour_directory.verification import service
from harbour_directory.verification.schemas import FreshnessReport, Verification
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["verification"])
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


@router.post(
    "/services/{service_id}/verification",
    summary="Confirm a listing is still right (org admins, own organisation)",
    responses=problem_responses(401, 403, 404),
)
async def confirm_listing(service_id: str, principal: OrgAdmin, svc: ServiceDep) -> Verification:
    settings = settings_of(svc)
    async with svc.uow() as session:
        return await service.confirm(
            session=session,
            outbox=svc.outbox,
            service_id=service_id,
            principal=principal,
            now=datetime.now(UTC),
            time_zone=settings.time_zone,
            period_days=settings.verification_period_days,
        )


@router.get(
    "/services/{service_id}/verification",
    summary="How fresh a listing is (org admins, own organisation)",
    responses=problem_responses(401, 403, 404),
)
async def get_verification(service_id: str, principal: OrgAdmin, svc: ServiceDep) -> Verification:
    settings = settings_of(svc)
    async with svc.factory() as session:
        return await service.view(
            session=session,
            service_id=service_id,
            principal=principal,
            today=service.local_today(now=datetime.now(UTC), time_zone=settings.time_zone),
            period_days=settings.verification_period_days,
        )


@router.get(
    "/verification/report",
    summary="Listing freshness across the network (network admins)",
    responses=problem_responses(401, 403, 422),
)
async def freshness_report(
    principal: NetworkAdmin,
    svc: ServiceDep,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
) -> FreshnessReport:
    settings = settings_of(svc)
    async with svc.factory() as session:
        return await service.report(
            session=session,
            today=service.local_today(now=datetime.now(UTC), time_zone=settings.time_zone),
            period_days=settings.verification_period_days,
            number=page_number,
            per_page=per_page,
        )
