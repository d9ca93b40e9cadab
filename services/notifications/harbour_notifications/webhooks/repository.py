"""Every query on webhook endpoints."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_notifications.models import WebhookEndpoint


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
