"""Every query of listing reports: the queue, the client's recent count, duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import HSDS, listing_report
from harbour_kit.db import execute

SERVICE = HSDS["service"]


async def add(*, session: AsyncSession, values: dict[str, Any]) -> None:
    """Stores a new report."""
    await execute(session, insert(listing_report).values(**values))


async def sent_since(*, session: AsyncSession, client_key: str, since: datetime) -> int:
    """How many reports a client has sent since an instant."""
    rows = await execute(
        session,
        select(func.count())
        .select_from(listing_report)
        .where(listing_report.c.client_key == client_key, listing_report.c.created_at >= since),
    )
    return int(rows.scalar_one())


async def open_duplicate(*, session: AsyncSession, fingerprint: str) -> str | None:
    """The id of an open report saying the same thing about the same listing, if any."""
    rows = await execute(
        session,
        select(listing_report.c.id).where(
            listing_report.c.fingerprint == fingerprint, listing_report.c.status == "open"
        ),
    )
    return rows.scalars().first()


def _queue(status: str | None, organization_id: str | None) -> Any:
    query = select(listing_report, SERVICE.c.name.label("service_name")).outerjoin(
        SERVICE, SERVICE.c.id == listing_report.c.service_id
    )
    if status is not None:
        query = query.where(listing_report.c.status == status)
    if organization_id is not None:
        query = query.where(listing_report.c.organization_id == organization_id)
    return query


async def page(
    *,
    session: AsyncSession,
    status: str | None,
    organization_id: str | None,
    number: int,
    per_page: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of reports, oldest first, and how many there are in all."""
    query = _queue(status, organization_id)
    total = await execute(session, select(func.count()).select_from(query.subquery()))
    rows = await execute(
        session,
        query.order_by(listing_report.c.created_at, listing_report.c.id)
        .offset((number - 1) * per_page)
        .limit(per_page),
    )
    return [dict(r._mapping) for r in rows], int(total.scalar_one())


async def report(*, session: AsyncSession, report_id: str) -> dict[str, Any] | None:
    """One report with its listing's name."""
    rows = await execute(session, _queue(None, None).where(listing_report.c.id == report_id))
    found = rows.first()
    return dict(found._mapping) if found else None


async def close(*, session: AsyncSession, report_id: str, values: dict[str, Any]) -> bool:
    """Closes an open report; False when it was no longer open."""
    result = await execute(
        session,
        update(listing_report)
        .where(listing_report.c.id == report_id, listing_report.c.status == "open")
        .values(**values),
    )
    return result.rowcount > 0
