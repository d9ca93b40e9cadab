"""Which services a referral can be sent to right now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_kit.errors import problem_responses
from harbour_referrals.targets import repository
from harbour_referrals.targets.schemas import TargetPublic, Targets

router = APIRouter(tags=["targets"])


@router.get(
    "/targets",
    summary="Services known to referrals (read model of the directory)",
    responses=problem_responses(401, 422),
)
async def list_targets(
    svc: ServiceDep,
    _: CurrentPrincipal,
    ids: Annotated[str | None, Query(description="Comma-separated service ids")] = None,
    accepting_only: Annotated[bool, Query()] = False,
) -> Targets:
    async with svc.factory() as session:
        rows = await repository.list_targets(
            session=session,
            service_ids=[i for i in ids.split(",") if i] if ids is not None else None,
            accepting_only=accepting_only,
        )
    return Targets(items=[TargetPublic.model_validate(r) for r in rows])
