"""Every query of listing verification: assurance columns, listings to check, reminders sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, insert, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import HSDS, verification_reminder
from harbour_directory.search.projection import INACTIVE
from harbour_kit.db import execute

SERVICE = HSDS["service"]


@dataclass(frozen=True, slots=True)
class Listing:
    """What verification needs of a service."""

    id: str
    name: str
    organization_id: str
    assured_date: str | None


def _listed() -> ColumnElement[bool]:
    """Services still offered: inactive and defunct ones need no checking."""
    return or_(SERVICE.c.status.is_(None), SERVICE.c.status.not_in(sorted(INACTIVE)))


def _stale(cutoff: str) -> ColumnElement[bool]:
    """Never confirmed, or last confirmed before `cutoff` (ISO dates compare as text)."""
    return or_(
        SERVICE.c.assured_date.is_(None),
        SERVICE.c.assured_date == "",
        SERVICE.c.assured_date < cutoff,
    )


def _listing(row: Row[Any]) -> Listing:
    mapping = row._mapping
    return Listing(
        id=mapping["id"],
        name=mapping["name"] or "",
        organization_id=mapping["organization_id"] or "",
        assured_date=mapping["assured_date"],  # as stored, so reminders compare it exactly
    )


async def listings(*, session: AsyncSession) -> list[Listing]:
    """Every service still offered, in id order."""
    rows = await execute(
        session,
        select(SERVICE.c.id, SERVICE.c.name, SERVICE.c.organization_id, SERVICE.c.assured_date)
        .where(_listed())
        .order_by(SERVICE.c.id),
    )
    return [_listing(row) for row in rows]


async def unreminded_stale(
    *, session: AsyncSession, cutoff: str, service_id: str | None = None
) -> list[Listing]:
    """Stale services (or this one) whose organisation was not reminded of this period yet."""
    reminder = verification_reminder
    query = (
        select(SERVICE.c.id, SERVICE.c.name, SERVICE.c.organization_id, SERVICE.c.assured_date)
        .outerjoin(reminder, reminder.c.service_id == SERVICE.c.id)
        .where(
            _listed(),
            _stale(cutoff),
            or_(
                reminder.c.service_id.is_(None),
                reminder.c.assured_date.is_distinct_from(SERVICE.c.assured_date),
            ),
        )
        .order_by(SERVICE.c.id)
    )
    if service_id is not None:
        query = query.where(SERVICE.c.id == service_id)
    return [_listing(row) for row in await execute(session, query)]


async def record_reminder(
    *, session: AsyncSession, service_id: str, assured_date: str | None, at: datetime
) -> None:
    """Remembers that the service's organisation was reminded of this stale period."""
    await execute(
        session,
        delete(verification_reminder).where(verification_reminder.c.service_id == service_id),
    )
    await execute(
        session,
        insert(verification_reminder).values(
            service_id=service_id, assured_date=assured_date, reminded_at=at
        ),
    )


async def set_assurance(
    *, session: AsyncSession, service_id: str, assured_date: str, assurer_email: str | None
) -> None:
    """Records a confirmation on the service; without an e-mail the assurer stays as it was."""
    values: dict[str, str] = {"assured_date": assured_date}
    if assurer_email:
        values["assurer_email"] = assurer_email
    await execute(session, update(SERVICE).where(SERVICE.c.id == service_id).values(**values))
