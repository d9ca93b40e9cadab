"""Rules of the inbox: who may change which item."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.errors import Forbidden, NotFound
from harbour_notifications.inbox import repository
from harbour_notifications.models import InboxItem


async def mark_read(*, session: AsyncSession, principal: Principal, item_id: str) -> InboxItem:
    """Marks an item of the principal's own organisation and role as read (once)."""
    item = await repository.get_item(session=session, item_id=item_id)
    if item is None:
        raise NotFound("No such inbox item.")
    if item.organization_id != principal.org_id or not principal.has_role(item.audience_role):
        raise Forbidden("This item belongs to someone else.", code="wrong-organisation")
    item.read_at = item.read_at or datetime.now(UTC)
    session.add(item)
    return item
