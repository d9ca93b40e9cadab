"""Every query on notifications and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import dialect_of
from harbour_notifications.models import Delivery, Notification

GIVEN_UP = ("failed", "bounced")


async def get_delivery(*, session: AsyncSession, delivery_id: str) -> Delivery | None:
    """Gets a delivery by its id."""
    return await session.get(Delivery, delivery_id)


async def get_notification(*, session: AsyncSession, notification_id: str) -> Notification | None:
    """Gets a notification by its id."""
    return await session.get(Notification, notification_id)


async def notification_exists(
    *, session: AsyncSession, event_id: str, recipient: str, kind: str
) -> bool:
    """Whether a recipient already has a notification of this type for this event."""
    found = await session.exec(
        select(Notification.id).where(
            Notification.event_id == event_id,
            Notification.recipient == recipient,
            Notification.kind == kind,
        )
    )
    return found.first() is not None


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


async def next_due(*, session: AsyncSession, now: datetime) -> Delivery | None:
    """The queued delivery due first, locked for this sender on PostgreSQL (`SKIP LOCKED`)."""
    query = (
        select(Delivery)
        .where(Delivery.status == "queued", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at))
        .limit(1)
    )
    if dialect_of(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return (await session.exec(query)).first()


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
