"""Every query on notes."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_referrals.models import Note


async def notes_of(*, session: AsyncSession, referral_id: str) -> list[Note]:
    """A referral's notes, oldest first."""
    query = select(Note).where(Note.referral_id == referral_id).order_by(col(Note.created_at))
    return list((await session.exec(query)).all())


async def add(*, session: AsyncSession, note: Note) -> None:
    """Adds a note to the unit of work."""
    session.add(note)
