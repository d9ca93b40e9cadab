"""Every query on recipients and their preferences."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_notifications.models import Preference, Recipient


async def get_recipient(*, session: AsyncSession, sub: str) -> Recipient | None:
    """Gets a recipient by their subject."""
    return await session.get(Recipient, sub)


async def recipients_in(*, session: AsyncSession, organization_id: str) -> list[Recipient]:
    """Every recipient of an organisation."""
    rows = await session.exec(select(Recipient).where(Recipient.organization_id == organization_id))
    return list(rows.all())


async def preferences_of(
    *, session: AsyncSession, sub: str, kind: str | None = None
) -> list[Preference]:
    """A recipient's choices, for one type or all."""
    query = select(Preference).where(Preference.sub == sub)
    if kind is not None:
        query = query.where(Preference.kind == kind)
    return list((await session.exec(query)).all())


async def get_preference(
    *, session: AsyncSession, sub: str, kind: str, channel: str
) -> Preference | None:
    """Gets one choice of a recipient."""
    return await session.get(Preference, (sub, kind, channel))
