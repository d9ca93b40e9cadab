"""Which services a referral can be sent to right now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_referrals.targets import repository

router = APIRouter(tags=["targets"])


class TargetPublic(BaseModel):
    """A service as a referrer sees it when choosing where to refer."""

    model_config = ConfigDict(from_attributes=True)

    service_id: str
    organization_id: str
    name: str
    status: str
    accepting_referrals: bool
    version: int
    updated_at: datetime


@router.get("/targets", summary="Services known to referrals (read model of the directory)")
async def list_targets(
    svc: ServiceDep,
    _: CurrentPrincipal,
    ids: Annotated[str | None, Query(description="Comma-separated service ids")] = None,
    accepting_only: Annotated[bool, Query()] = False,
) -> dict[str, list[TargetPublic]]:
    async with svc.factory() as session:
        rows = await repository.list_targets(
            session=session,
            service_ids=[i for i in ids.split(",") if i] if ids is not None else None,
            accepting_only=accepting_only,
        )
    return {"items": [TargetPublic.model_validate(r) for r in rows]}
