"""Listing reports: the public sends them; org admins and network admins work the queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from harbour_directory.corrections import service
from harbour_directory.corrections.schemas import (
    ReportClose,
    ReportCreate,
    ReportPage,
    ReportPublic,
    ReportReceipt,
    ReportStatus,
)
from harbour_directory.hsds.schemas import PageNumber, PerPage
from harbour_directory.settings import settings_of
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["corrections"])
Moderator = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]


def client_address(request: Request, trusted: list[str]) -> str:
    """The caller's address: the first X-Forwarded-For entry when a trusted proxy sent it."""
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in trusted:
        return forwarded.split(",")[0].strip() or peer
    return peer


@router.post(
    "/services/{service_id}/reports",
    status_code=202,
    summary="Report that a listing is wrong (anyone, no account)",
    responses=problem_responses(404, 422, 429),
)
async def report_listing(
    service_id: str, report: ReportCreate, request: Request, svc: ServiceDep
) -> ReportReceipt:
    settings = settings_of(svc)
    address = client_address(request, settings.trusted_proxies)
    async with svc.uow() as session:
        return await service.receive(
            session=session,
            outbox=svc.outbox,
            service_id=service_id,
            report=report,
            client=service.client_key(address, salt=settings.report_salt),
            limit=settings.report_limit,
            window=settings.report_window,
            now=datetime.now(UTC),
        )


@router.get(
    "/reports",
    summary="Reports on listings (network admins: all; org admins: their organisation's)",
    responses=problem_responses(401, 403, 422),
)
async def list_reports(
    principal: Moderator,
    svc: ServiceDep,
    status: Annotated[ReportStatus | None, Query(description="open, resolved or dismissed")] = None,
    page_number: PageNumber = 1,
    per_page: PerPage = 50,
) -> ReportPage:
    async with svc.factory() as session:
        return await service.queue(
            session=session,
            principal=principal,
            status=status,
            number=page_number,
            per_page=per_page,
        )


async def _close(
    *,
    svc: ServiceDep,
    report_id: str,
    principal: Principal,
    outcome: ReportStatus,
    body: ReportClose,
) -> ReportPublic:
    async with svc.uow() as session:
        return await service.close(
            session=session,
            report_id=report_id,
            principal=principal,
            outcome=outcome,
            body=body,
            now=datetime.now(UTC),
        )


@router.post(
    "/reports/{report_id}/resolve",
    summary="Resolve a report: the listing was put right",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def resolve_report(
    report_id: str, principal: Moderator, svc: ServiceDep, body: ReportClose | None = None
) -> ReportPublic:
    return await _close(
        svc=svc,
        report_id=report_id,
        principal=principal,
        outcome="resolved",
        body=body or ReportClose(),
    )


@router.post(
    "/reports/{report_id}/dismiss",
    summary="Dismiss a report: nothing to change",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def dismiss_report(
    report_id: str, principal: Moderator, svc: ServiceDep, body: ReportClose | None = None
) -> ReportPublic:
    return await _close(
        svc=svc,
        report_id=report_id,
        principal=principal,
        outcome="dismissed",
        body=body or ReportClose(),
    )
