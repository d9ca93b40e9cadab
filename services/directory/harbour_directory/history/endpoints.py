"""Change history: a listing's edits for its admins; network admins revert one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from harbour_directory.history import service
from harbour_directory.history.schemas import ListingChange, ListingHistory
from harbour_directory.settings import settings_of
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["history"])
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


@router.get(
    "/services/{service_id}/history",
    summary="A listing's change history (org admins, own organisation; network admins)",
    responses=problem_responses(401, 403, 404),
)
async def listing_history(service_id: str, principal: OrgAdmin, svc: ServiceDep) -> ListingHistory:
    async with svc.factory() as session:
        return await service.history(session=session, service_id=service_id, principal=principal)


@router.post(
    "/services/{service_id}/history/{change_id}/revert",
    summary="Restore the values from before a change, as a new change (network admins)",
    responses=problem_responses(401, 403, 404, 422),
)
async def revert_change(
    service_id: str, change_id: str, principal: NetworkAdmin, svc: ServiceDep
) -> ListingChange:
    async with svc.uow() as session:
        return await service.revert(
            session=session,
            outbox=svc.outbox,
            service_id=service_id,
            change_id=change_id,
            principal=principal,
            time_zone=settings_of(svc).time_zone,
        )
