"""Network figures (no personal data) and the retention purge of claimant details."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_referrals.audit import repository as audit
from harbour_referrals.lifecycle import Status
from harbour_referrals.network import repository
from harbour_referrals.network.schemas import NetworkFigures


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from `start` to `end`, if both happened."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _median(values: list[float | None]) -> float | None:
    """The median of the known values, to two places."""
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


async def figures(*, session: AsyncSession) -> NetworkFigures:
    """Volumes, time to acknowledge and accept, declines by reason, by purpose."""
    rows = await repository.all_referrals(session=session)
    declined = [r for r in rows if r.status == Status.REJECTED]
    return NetworkFigures(
        total=len(rows),
        by_status=dict(Counter(r.status for r in rows)),
        by_purpose=dict(Counter(r.purpose for r in rows)),
        by_urgency=dict(Counter(r.urgency for r in rows)),
        median_hours_to_acknowledge=_median([_hours(r.sent_at, r.acknowledged_at) for r in rows]),
        median_hours_to_accept=_median([_hours(r.sent_at, r.accepted_at) for r in rows]),
        declines_by_reason=dict(Counter(r.business_status or "unknown" for r in declined)),
        declines_by_purpose=dict(Counter(r.purpose for r in declined)),
        expired=sum(1 for r in rows if r.business_status == "expired"),
    )


async def purge(
    session: AsyncSession, /, *, retention_days: int, now: datetime | None = None
) -> dict[str, int]:
    """Removes claimant details from referrals closed longer than the retention period.

    History, audit and the de-identified referral rows stay, so figures still add up.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    referral_ids = await repository.closed_before(session=session, cutoff=cutoff)
    await repository.erase_referrals(session=session, referral_ids=referral_ids, now=now)
    # Read after the referrals are purged: a claimant is done once none of them holds data.
    claimant_ids = await repository.claimants_done_before(session=session, cutoff=cutoff)
    await repository.erase_claimants(session=session, claimant_ids=claimant_ids, now=now)
    done = {"referrals": len(referral_ids), "claimants": len(claimant_ids)}
    await audit.record(
        session=session,
        actor="system:retention",
        action="retention.purge",
        entity="referral",
        entity_id="*",
        detail={**done, "retention_days": retention_days},
    )
    return done
