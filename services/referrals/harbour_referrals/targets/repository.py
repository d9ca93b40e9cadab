"""Every query on referral targets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_referrals.models import ReferralTarget


async def list_targets(
    *,
    session: AsyncSession,
    service_ids: Sequence[str] | None = None,
    accepting_only: bool = False,
) -> list[ReferralTarget]:
    """Known, not removed services by name."""
    query = select(ReferralTarget).where(col(ReferralTarget.removed).is_(False))
    if service_ids is not None:
        query = query.where(col(ReferralTarget.service_id).in_(service_ids))
    if accepting_only:
        query = query.where(col(ReferralTarget.accepting_referrals).is_(True))
    return list((await session.exec(query.order_by(col(ReferralTarget.name)))).all())


async def get_target(*, session: AsyncSession, service_id: str) -> ReferralTarget | None:
    """A known service by its id, removed or not."""
    return await session.get(ReferralTarget, service_id)
