"""Every query of the network figures and the retention purge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import execute
from harbour_referrals.models import Claimant, Note, Referral


async def all_referrals(*, session: AsyncSession) -> list[Referral]:
    """Every referral (the figures read only their de-identified columns)."""
    return list((await session.exec(select(Referral))).all())


async def closed_before(*, session: AsyncSession, cutoff: datetime) -> list[str]:
    """Referrals closed before `cutoff` that still hold personal data."""
    query = select(Referral.id).where(
        col(Referral.closed_at).is_not(None),
        col(Referral.closed_at) < cutoff,
        col(Referral.purged_at).is_(None),
    )
    return list((await session.exec(query)).all())


async def claimants_done_before(*, session: AsyncSession, cutoff: datetime) -> list[str]:
    """Claimants recorded before `cutoff` with details left and no referral still holding data."""
    open_claimants = select(Referral.claimant_id).where(col(Referral.purged_at).is_(None))
    query = select(Claimant.id).where(
        col(Claimant.purged_at).is_(None),
        col(Claimant.created_at) < cutoff,
        col(Claimant.id).not_in(open_claimants),
    )
    return list((await session.exec(query)).all())


async def erase_referrals(
    *, session: AsyncSession, referral_ids: Sequence[str], now: datetime
) -> None:
    """Removes the shares, outcomes and notes of these referrals."""
    await execute(
        session,
        update(Referral)
        .where(col(Referral.id).in_(referral_ids))
        .values(share_enc=None, outcome_enc=None, purged_at=now),
    )
    await execute(
        session,
        update(Note).where(col(Note.referral_id).in_(referral_ids)).values(body_enc=None),
    )


async def erase_claimants(
    *, session: AsyncSession, claimant_ids: Sequence[str], now: datetime
) -> None:
    """Removes these claimants' details."""
    await execute(
        session,
        update(Claimant)
        .where(col(Claimant.id).in_(claimant_ids))
        .values(details_enc=None, purged_at=now),
    )
