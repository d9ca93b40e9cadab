"""Every query on claimants and consents."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_referrals.models import Claimant, Consent


async def get_claimant(*, session: AsyncSession, claimant_id: str) -> Claimant | None:
    """A claimant by its id."""
    return await session.get(Claimant, claimant_id)


async def get_consent(*, session: AsyncSession, consent_id: str) -> Consent | None:
    """A consent by its id."""
    return await session.get(Consent, consent_id)


async def consents_of(
    *, session: AsyncSession, claimant_id: str, withdrawn: bool = True
) -> list[Consent]:
    """A claimant's consents, newest first; without the withdrawn ones unless `withdrawn`."""
    query = select(Consent).where(Consent.claimant_id == claimant_id)
    if not withdrawn:
        query = query.where(col(Consent.withdrawn_at).is_(None))
    return list((await session.exec(query.order_by(col(Consent.given_at).desc()))).all())


async def save(*, session: AsyncSession, row: Claimant | Consent) -> None:
    """Adds or updates a claimant or a consent in the unit of work."""
    session.add(row)
