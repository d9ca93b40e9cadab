"""The delivery log of an organisation, and the operators' given-up deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_notifications.deliveries import repository, service
from harbour_notifications.deliveries.schemas import Deliveries, DeliveryPublic

router = APIRouter(tags=["deliveries"])
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get(
    "/deliveries",
    summary="My organisation's delivery log",
    responses=problem_responses(401, 403, 422),
)
async def deliveries(
    principal: OrgAdmin,
    svc: ServiceDep,
    endpoint_id: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    limit: Limit = 100,
) -> Deliveries:
    async with svc.factory() as session:
        rows = await repository.organisation_log(
            session=session,
            organization_id=principal.org_id,
            endpoint_id=endpoint_id,
            status=status,
            limit=limit,
        )
    return Deliveries(items=[DeliveryPublic.model_validate(d) for d in rows])


@router.get(
    "/admin/deliveries",
    summary="Deliveries given up on (operators)",
    responses=problem_responses(401, 403, 422),
)
async def failed_deliveries(_: NetworkAdmin, svc: ServiceDep, limit: Limit = 100) -> Deliveries:
    async with svc.factory() as session:
        rows = await repository.given_up(session=session, limit=limit)
    return Deliveries(items=[DeliveryPublic.model_validate(d) for d in rows])


@router.post(
    "/admin/deliveries/{delivery_id}/redrive",
    summary="Try again",
    responses=problem_responses(401, 403, 404, 422),
)
async def redrive(delivery_id: str, _: NetworkAdmin, svc: ServiceDep) -> DeliveryPublic:
    async with svc.uow() as session:
        delivery = await service.redrive(
            session=session, delivery_id=delivery_id, now=datetime.now(UTC)
        )
        return DeliveryPublic.model_validate(delivery)
