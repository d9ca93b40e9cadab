"""Announcing, listing and lifting closures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from harbour_directory.closures import service
from harbour_directory.closures.schemas import ClosureCreate, ClosurePublic, Closures
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses

router = APIRouter(tags=["manage"])
Admin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]


@router.post(
    "/closures",
    status_code=201,
    summary="Announce a temporary closure",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_closure(body: ClosureCreate, principal: Admin, svc: ServiceDep) -> ClosurePublic:
    async with svc.uow() as session:
        return await service.announce(session=session, principal=principal, closure=body)


@router.get("/closures", summary="Closures in force or announced", responses=problem_responses(500))
async def list_closures(svc: ServiceDep) -> Closures:
    async with svc.factory() as session:
        return await service.current(session=session)


@router.delete(
    "/closures/{closure_id}",
    status_code=204,
    summary="Lift a closure",
    responses=problem_responses(401, 403, 404),
)
async def lift_closure(closure_id: str, principal: Admin, svc: ServiceDep) -> None:
    async with svc.uow() as session:
        await service.lift(session=session, principal=principal, closure_id=closure_id)
