"""Rules of the inbox: who may change which item."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.errors import Forbidden, NotFound
from harbour_notifications.inbox import repository
from harbour_notifications.models import InboxItem

MARKS = {"read": "read_at", "seen": "seen_at", "archive": "archived_at"}


async def mark(
    *, session: AsyncSession, principal: Principal, item_id: str, what: str = "read"
) -> InboxItem:
    """Marks an item of the principal's own organisation and role read, seen or archived (once).

    Reading implies seeing; archiving implies both.
    """
    item = await repository.get_item(session=session, item_id=item_id)
    if item is None:
        raise NotFound("No such inbox item.")
    if item.organization_id != principal.org_id or not principal.has_role(item.audience_role):
        raise Forbidden("This item belongs to someone else.", code="wrong-organisation")
    now = datetime.now(UTC)
    implied = {"seen": ["seen"], "read": ["seen", "read"], "archive": ["seen", "read", "archive"]}
    for step in implied[what]:
        column = MARKS[step]
        if getattr(item, column) is None:
            setattr(item, column, now)
    session.add(item)
    return item


async def mark_read(*, session: AsyncSession, principal: Principal, item_id: str) -> InboxItem:
    """Marks one item read."""
    return await mark(session=session, principal=principal, item_id=item_id, what="read")


async def mark_all_read(*, session: AsyncSession, principal: Principal) -> int:
    """Marks every unread item the principal can see as read; returns how many."""
    if principal.org_id is None:
        return 0
    items = await repository.unread_items(
        session=session, organization_id=principal.org_id, roles=principal.roles
    )
    now = datetime.now(UTC)
    for item in items:
        item.read_at, item.seen_at = now, item.seen_at or now
        session.add(item)
    return len(items)
