"""Every query of the change history: recording changes and reading a listing's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import listing_change
from harbour_kit.db import execute


async def add(
    *,
    session: AsyncSession,
    change_id: str,
    service_id: str,
    organization_id: str,
    subject: str,
    actor_organization_id: str | None,
    role: str,
    action: str,
    reverts: str | None,
    at: datetime,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """Records one change of a listing."""
    await execute(
        session,
        insert(listing_change).values(
            id=change_id,
            service_id=service_id,
            organization_id=organization_id,
            subject=subject,
            actor_organization_id=actor_organization_id,
            role=role,
            action=action,
            reverts=reverts,
            changed_at=at,
            before=before,
            after=after,
        ),
    )


async def changes_of(*, session: AsyncSession, service_id: str) -> list[dict[str, Any]]:
    """A listing's changes, newest first."""
    rows = await execute(
        session,
        select(listing_change)
        .where(listing_change.c.service_id == service_id)
        .order_by(listing_change.c.changed_at.desc(), listing_change.c.id),
    )
    return [dict(row._mapping) for row in rows]


async def change(*, session: AsyncSession, change_id: str) -> dict[str, Any] | None:
    """One change by its id."""
    rows = await execute(session, select(listing_change).where(listing_change.c.id == change_id))
    found = rows.first()
    return dict(found._mapping) if found else None
