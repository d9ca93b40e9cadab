"""Every query on notifications and their deliveries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import dialect_of, execute
from harbour_notifications.models import (
    Delivery,
    Notification,
    Preference,
    Recipient,
    WebhookEndpoint,
)

GIVEN_UP = ("failed", "bounced")
# Session flag: this transaction queued a delivery, so its commit wakes the senders.
QUEUED = "harbour_deliveries_queued"


async def get_delivery(*, session: AsyncSession, delivery_id: str) -> Delivery | None:
    """Gets a delivery by its id."""
    return await session.get(Delivery, delivery_id)


async def get_notification(*, session: AsyncSession, notification_id: str) -> Notification | None:
    """Gets a notification by its id."""
    return await session.get(Notification, notification_id)


@dataclass(frozen=True, slots=True)
class Person:
    """What routing needs of a recipient."""

    sub: str
    organization_id: str | None
    roles: list[str]
    email: str | None
    phone: str | None
    digest_minutes: int | None


@dataclass(frozen=True, slots=True)
class Hook:
    """What routing needs of an enabled webhook endpoint."""

    id: str
    organization_id: str
    kinds: list[str]


async def people_in(*, session: AsyncSession, organization_ids: Collection[str]) -> list[Person]:
    """Every recipient of these organisations."""
    table = Recipient.__table__  # type: ignore[attr-defined]
    rows = await execute(
        session,
        sa.select(
            table.c.sub,
            table.c.organization_id,
            table.c.roles,
            table.c.email,
            table.c.phone,
            table.c.digest_minutes,
        ).where(table.c.organization_id.in_(list(organization_ids))),
    )
    return [
        Person(
            r["sub"],
            r["organization_id"],
            list(r["roles"] or []),
            r["email"],
            r["phone"],
            r["digest_minutes"],
        )
        for r in rows.mappings()
    ]


async def choices_of(
    *, session: AsyncSession, subs: Collection[str]
) -> dict[tuple[str, str, str], bool]:
    """These recipients' choices, by (sub, kind, channel)."""
    if not subs:
        return {}
    table = Preference.__table__  # type: ignore[attr-defined]
    rows = await execute(
        session,
        sa.select(table.c.sub, table.c.kind, table.c.channel, table.c.enabled).where(
            table.c.sub.in_(list(subs))
        ),
    )
    return {(r["sub"], r["kind"], r["channel"]): bool(r["enabled"]) for r in rows.mappings()}


async def endpoints_in(*, session: AsyncSession, organization_ids: Collection[str]) -> list[Hook]:
    """The endpoints of these organisations that still receive webhooks."""
    table = WebhookEndpoint.__table__  # type: ignore[attr-defined]
    rows = await execute(
        session,
        sa.select(table.c.id, table.c.organization_id, table.c.kinds).where(
            table.c.organization_id.in_(list(organization_ids)), table.c.enabled
        ),
    )
    return [Hook(r["id"], r["organization_id"], list(r["kinds"] or [])) for r in rows.mappings()]


async def add_notifications(*, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Inserts notifications (every column given) in one statement."""
    await execute(session, insert(Notification.__table__), rows)  # type: ignore[attr-defined]


async def add_deliveries(*, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Inserts deliveries (every column given); queued ones wake the senders after commit."""
    await execute(session, insert(Delivery.__table__), rows)  # type: ignore[attr-defined]
    if any(row["status"] == "queued" for row in rows):
        session.info[QUEUED] = True


async def organisation_log(
    *,
    session: AsyncSession,
    organization_id: str | None,
    endpoint_id: str | None,
    status: str | None,
    limit: int,
) -> Sequence[Delivery]:
    """An organisation's deliveries, newest first, to one endpoint or in one status if asked."""
    query = select(Delivery).where(Delivery.organization_id == organization_id)
    if endpoint_id:
        query = query.join(
            Notification, col(Notification.id) == col(Delivery.notification_id)
        ).where(Notification.recipient == f"webhook:{endpoint_id}")
    if status:
        query = query.where(Delivery.status == status)
    rows = await session.exec(query.order_by(col(Delivery.created_at).desc()).limit(limit))
    return rows.all()


async def given_up(*, session: AsyncSession, limit: int) -> Sequence[Delivery]:
    """Deliveries that failed or bounced, most recently changed first."""
    rows = await session.exec(
        select(Delivery)
        .where(col(Delivery.status).in_(GIVEN_UP))
        .order_by(col(Delivery.updated_at).desc())
        .limit(limit)
    )
    return rows.all()


async def next_due(
    *, session: AsyncSession, now: datetime, limit: int = 1
) -> list[tuple[Delivery, Notification, Recipient | None]]:
    """The queued deliveries due first with their notification and recipient (none for a
    webhook or an unknown person), locked for this sender on PostgreSQL (`SKIP LOCKED`)."""
    query = (
        select(Delivery, Notification, Recipient)
        .join(Notification, col(Notification.id) == col(Delivery.notification_id))
        .outerjoin(Recipient, col(Recipient.sub) == col(Notification.recipient))
        .where(Delivery.status == "queued", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at))
        .limit(limit)
    )
    if dialect_of(session) == "postgresql":
        query = query.with_for_update(of=Delivery, skip_locked=True)
    rows = await session.exec(query)
    return [(delivery, notification, person) for delivery, notification, person in rows.all()]


async def next_due_at(*, session: AsyncSession) -> datetime | None:
    """When the first queued delivery falls due (None: nothing is queued)."""
    query = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "queued")
    due: datetime | None = (await session.exec(query)).first()
    return due


async def waiting_for_digest(*, session: AsyncSession) -> Sequence[tuple[Delivery, Notification]]:
    """Every delivery held for a digest with its notification, oldest first."""
    rows = await session.exec(
        select(Delivery, Notification)
        .join(Notification, col(Notification.id) == col(Delivery.notification_id))
        .where(Delivery.status == "digest")
        .order_by(col(Delivery.created_at))
    )
    return rows.all()
