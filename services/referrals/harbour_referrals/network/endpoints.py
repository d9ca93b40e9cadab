"""Network figures over HTTP (network admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_referrals.network import service
from harbour_referrals.network.schemas import NetworkFigures

router = APIRouter(tags=["network"])
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


@router.get(
    "/figures",
    summary="Network figures, without personal data (network admins)",
    responses=problem_responses(401, 403),
)
async def network_figures(_: NetworkAdmin, svc: ServiceDep) -> NetworkFigures:
    async with svc.factory() as session:
        return await service.figures(session=session)
