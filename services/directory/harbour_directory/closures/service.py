"""Rules for closures: who may announce or lift which, and how they are stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.closures import repository
from harbour_directory.closures.schemas import ClosureCreate, ClosurePublic, Closures
from harbour_directory.listings.service import owned_service
from harbour_kit.auth import Principal, Role
from harbour_kit.errors import Forbidden, NotFound


async def _check_scope(
    *, session: AsyncSession, principal: Principal, closure: ClosureCreate
) -> None:
    """Network admins close anything; org admins their own organisation or its services."""
    if principal.has_role(Role.NETWORK_ADMIN):
        return
    if closure.scope == "network":
        raise Forbidden("Only network admins announce network-wide closures.")
    if closure.scope == "organization" and closure.scope_id != principal.org_id:
        raise Forbidden("You can only close your own organisation.")
    if closure.scope == "service":
        await owned_service(session=session, service_id=closure.scope_id or "", principal=principal)


async def announce(
    *, session: AsyncSession, principal: Principal, closure: ClosureCreate
) -> ClosurePublic:
    """Stores a closure its announcer may make; it starts now unless it says when."""
    row = {
        "id": str(uuid.uuid4()),
        "scope": closure.scope,
        "scope_id": closure.scope_id,
        "reason": closure.reason,
        "message": closure.message,
        # Stored in UTC: SQLite keeps no offset, so every instant is written in one zone.
        "starts_at": (closure.starts_at or datetime.now(UTC)).astimezone(UTC),
        "ends_at": closure.ends_at.astimezone(UTC) if closure.ends_at else None,
        "created_by": principal.sub,
    }
    await _check_scope(session=session, principal=principal, closure=closure)
    await repository.add(session=session, row=row)
    return ClosurePublic.model_validate(row)


async def current(*, session: AsyncSession) -> Closures:
    """Closures in force or announced."""
    rows = await repository.not_ended(session=session, now=datetime.now(UTC))
    return Closures(contents=[ClosurePublic.model_validate(r) for r in rows])


async def lift(*, session: AsyncSession, principal: Principal, closure_id: str) -> None:
    """Ends a closure now, if the principal may announce one like it."""
    row = await repository.get(session=session, closure_id=closure_id)
    if row is None:
        raise NotFound("No such closure.")
    same = ClosureCreate(scope=row["scope"], scope_id=row["scope_id"], reason=row["reason"])
    await _check_scope(session=session, principal=principal, closure=same)
    await repository.remove(session=session, closure_id=closure_id)
