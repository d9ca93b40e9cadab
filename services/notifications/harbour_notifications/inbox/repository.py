"""Every query on inbox items."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_notifications.models import InboxItem


def _visible(organization_id: str, roles: Collection[str]) -> ColumnElement[bool]:
    return (col(InboxItem.organization_id) == organization_id) & col(InboxItem.audience_role).in_(
        list(roles)
    )


async def list_items(
    *,
    session: AsyncSession,
    organization_id: str,
    roles: Collection[str],
    limit: int,
    unread_only: bool,
    include_archived: bool = False,
) -> tuple[list[InboxItem], int]:
    """The newest items an organisation member may see, and how many are unread."""
    query = select(InboxItem).where(_visible(organization_id, roles))
    if not include_archived:
        query = query.where(col(InboxItem.archived_at).is_(None))
    if unread_only:
        query = query.where(col(InboxItem.read_at).is_(None))
    items = await session.exec(
        query.order_by(col(InboxItem.created_at).desc(), col(InboxItem.id)).limit(limit)
    )
    unread = await session.exec(
        select(func.count())
        .select_from(InboxItem)
        .where(_visible(organization_id, roles))
        .where(col(InboxItem.read_at).is_(None))
    )
    return list(items.all()), unread.one()


async def get_item(*, session: AsyncSession, item_id: str) -> InboxItem | None:
    """Gets an inbox item by its id."""
    return await session.get(InboxItem, item_id)


async def unread_items(
    *, session: AsyncSession, organization_id: str, roles: Collection[str]
) -> list[InboxItem]:
    """Every unread item an organisation member may see."""
    rows = await session.exec(
        select(InboxItem)
        .where(_visible(organization_id, roles))
        .where(col(InboxItem.read_at).is_(None))
    )
    return list(rows.all())
