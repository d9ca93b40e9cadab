"""Temporary closures: typhoon and rainstorm alerts for the whole network, or one organisation's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, insert, or_, select

from harbour_directory.listings import owned_service
from harbour_directory.models import closure
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.db import execute
from harbour_kit.errors import Forbidden, NotFound

router = APIRouter(tags=["manage"])
Admin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]
Reason = Literal[
    "typhoon-signal-8",
    "typhoon-signal-10",
    "black-rainstorm",
    "public-health",
    "renovation",
    "other",
]


class ClosureIn(BaseModel):
    """A closure to announce."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["network", "organization", "service"]
    scope_id: str | None = Field(default=None, description="Organization or service id")
    reason: Reason
    message: str = Field(default="", max_length=500)
    starts_at: datetime | None = Field(default=None, description="Default: now")
    ends_at: datetime | None = Field(default=None, description="None: until lifted")

    @model_validator(mode="after")
    def _consistent(self) -> ClosureIn:
        if (self.scope == "network") != (self.scope_id is None):
            raise ValueError("scope_id is needed for an organization or service, and only then")
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a UTC offset")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


def _serialise(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v.isoformat() if isinstance(v, datetime) else v
        for k, v in row.items()
        if k != "created_by"
    }


async def _check_scope(session: Any, principal: Principal, body: ClosureIn) -> None:
    if principal.has_role(Role.NETWORK_ADMIN):
        return
    if body.scope == "network":
        raise Forbidden("Only network admins announce network-wide closures.")
    if body.scope == "organization" and body.scope_id != principal.org_id:
        raise Forbidden("You can only close your own organisation.")
    if body.scope == "service":
        await owned_service(session, body.scope_id or "", principal=principal)


@router.post("/closures", status_code=201, summary="Announce a temporary closure")
async def create_closure(body: ClosureIn, principal: Admin, svc: ServiceDep) -> dict[str, Any]:
    row = {
        "id": str(uuid.uuid4()),
        "scope": body.scope,
        "scope_id": body.scope_id,
        "reason": body.reason,
        "message": body.message,
        # Stored in UTC: SQLite keeps no offset, so every instant is written in one zone.
        "starts_at": (body.starts_at or datetime.now(UTC)).astimezone(UTC),
        "ends_at": body.ends_at.astimezone(UTC) if body.ends_at else None,
        "created_by": principal.sub,
    }
    async with svc.uow() as session:
        await _check_scope(session, principal, body)
        await execute(session, insert(closure).values(**row))
    return _serialise(row)


@router.get("/closures", summary="Closures in force or announced")
async def list_closures(svc: ServiceDep) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with svc.factory() as session:
        rows = await execute(
            session,
            select(closure)
            .where(or_(closure.c.ends_at.is_(None), closure.c.ends_at > now))
            .order_by(closure.c.starts_at),
        )
        return {"contents": [_serialise(dict(r._mapping)) for r in rows]}


@router.delete("/closures/{closure_id}", status_code=204, summary="Lift a closure")
async def lift_closure(closure_id: str, principal: Admin, svc: ServiceDep) -> None:
    async with svc.uow() as session:
        row = (await execute(session, select(closure).where(closure.c.id == closure_id))).first()
        if row is None:
            raise NotFound("No such closure.")
        body = ClosureIn(scope=row.scope, scope_id=row.scope_id, reason=row.reason)
        await _check_scope(session, principal, body)
        await execute(session, delete(closure).where(closure.c.id == closure_id))
