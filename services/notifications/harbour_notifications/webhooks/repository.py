"""Every query on webhook endpoints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_notifications.models import Delivery, Notification, WebhookEndpoint

WEBHOOK = "webhook:"  # a notification's recipient when it is for an endpoint


async def get_endpoint(*, session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    """Gets a webhook endpoint by its id."""
    return await session.get(WebhookEndpoint, endpoint_id)


async def endpoints_of(
    *, session: AsyncSession, organization_id: str | None
) -> Sequence[WebhookEndpoint]:
    """Every endpoint of an organisation, removed ones included."""
    rows = await session.exec(
        select(WebhookEndpoint).where(WebhookEndpoint.organization_id == organization_id)
    )
    return rows.all()


async def enabled_endpoints(
    *, session: AsyncSession, organization_id: str
) -> Sequence[WebhookEndpoint]:
    """The endpoints of an organisation that still receive webhooks."""
    rows = await session.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organization_id == organization_id, col(WebhookEndpoint.enabled)
        )
    )
    return rows.all()


async def last_statuses(*, session: AsyncSession, organization_id: str | None) -> dict[str, str]:
    """The status of each endpoint's newest delivery, by endpoint id."""
    newest = (
        select(Notification.recipient, func.max(Delivery.created_at).label("at"))
        .join(Notification, col(Notification.id) == col(Delivery.notification_id))
        .where(Delivery.organization_id == organization_id, Delivery.channel == "webhook")
        .group_by(col(Notification.recipient))
        .subquery()
    )
    rows = await session.exec(
        select(Notification.recipient, Delivery.status)
        .join(Notification, col(Notification.id) == col(Delivery.notification_id))
        .join(
            newest,
            and_(
                newest.c.recipient == col(Notification.recipient),
                newest.c.at == col(Delivery.created_at),
            ),
        )
        .where(Delivery.organization_id == organization_id, Delivery.channel == "webhook")
    )
    return {recipient.removeprefix(WEBHOOK): status for recipient, status in rows.all()}


async def delivery_to(
    *, session: AsyncSession, delivery_id: str
) -> tuple[Delivery, Notification] | None:
    """A webhook delivery with its notification, or None for any other delivery."""
    row = (
        await session.exec(
            select(Delivery, Notification)
            .join(Notification, col(Notification.id) == col(Delivery.notification_id))
            .where(Delivery.id == delivery_id, Delivery.channel == "webhook")
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def deliveries_to(
    *, session: AsyncSession, endpoint_id: str, before: Delivery | None, limit: int
) -> Sequence[tuple[Delivery, Notification]]:
    """An endpoint's deliveries newest first, those after `before` in that order if given."""
    query = (
        select(Delivery, Notification)
        .join(Notification, col(Notification.id) == col(Delivery.notification_id))
        .where(Notification.recipient == WEBHOOK + endpoint_id, Delivery.channel == "webhook")
    )
    if before is not None:
        # Keyset paging: new deliveries arriving meanwhile never shift a page.
        query = query.where(
            or_(
                col(Delivery.created_at) < before.created_at,
                and_(
                    col(Delivery.created_at) == before.created_at,
                    col(Delivery.id) < before.id,
                ),
            )
        )
    rows = await session.exec(
        query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    )
    return rows.all()
