"""Every query on closures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds.repository import Row
from harbour_directory.models import closure
from harbour_kit.db import execute


async def add(*, session: AsyncSession, row: dict[str, Any]) -> None:
    """Stores a closure."""
    await execute(session, insert(closure).values(**row))


async def get(*, session: AsyncSession, closure_id: str) -> Row | None:
    """One closure, or None."""
    row = (await execute(session, select(closure).where(closure.c.id == closure_id))).first()
    return dict(row._mapping) if row is not None else None


async def remove(*, session: AsyncSession, closure_id: str) -> None:
    """Deletes a closure."""
    await execute(session, delete(closure).where(closure.c.id == closure_id))


async def not_ended(*, session: AsyncSession, now: datetime) -> list[Row]:
    """Closures that have not ended by `now` (in force or to come), soonest first."""
    rows = await execute(
        session,
        select(closure)
        .where(or_(closure.c.ends_at.is_(None), closure.c.ends_at > now))
        .order_by(closure.c.starts_at),
    )
    return [dict(r._mapping) for r in rows]


async def in_force(*, session: AsyncSession, at: datetime) -> list[Row]:
    """Closures in force at `at` (network-wide alerts, organisation or service closures)."""
    at = at.astimezone(UTC)  # closures are stored in UTC
    rows = await execute(
        session,
        select(closure).where(
            closure.c.starts_at <= at, or_(closure.c.ends_at.is_(None), closure.c.ends_at > at)
        ),
    )
    return [dict(r._mapping) for r in rows]
