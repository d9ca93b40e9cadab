"""Turns events into inbox items."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Role
from harbour_kit.contracts import ServiceUpserted
from harbour_kit.events import Envelope, Handler
from harbour_notifications.models import InboxItem

TITLE_LIMIT = 200


def fit_title(title: str) -> str:
    """Shortens a title to the inbox's limit."""
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


async def on_service_upserted(session: AsyncSession, envelope: Envelope) -> None:
    """Tells the organisation's admins that their listing is live or was changed."""
    event = ServiceUpserted.model_validate(envelope.data)
    published = event.version == 1
    session.add(
        InboxItem(
            id=str(uuid.uuid4()),
            organization_id=event.organization_id,
            audience_role=Role.ORG_ADMIN,
            kind="listing.published" if published else "listing.updated",
            title=fit_title(
                ("Your listing is live: " if published else "Your listing changed: ") + event.name
            ),
            reference=f"S-{event.service_id[:8].upper()}",
            link=f"/listings/{event.service_id}",
            event_id=envelope.id,
        )
    )


HANDLERS: dict[str, Handler] = {ServiceUpserted.event_type: on_service_upserted}
