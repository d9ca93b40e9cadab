"""Network figures (no personal data) and the retention purge of claimant details."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.db import execute
from harbour_referrals import audit, lifecycle
from harbour_referrals.models import Claimant, Note, Referral

router = APIRouter(tags=["network"])
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


async def figures(session: AsyncSession) -> dict[str, Any]:
    """Volumes, time to acknowledge and accept, declines by reason, by purpose."""
    rows = (await session.exec(select(Referral))).all()
    declined = [r for r in rows if r.status == lifecycle.Status.REJECTED]
    return {
        "total": len(rows),
        "by_status": dict(Counter(r.status for r in rows)),
        "by_purpose": dict(Counter(r.purpose for r in rows)),
        "by_urgency": dict(Counter(r.urgency for r in rows)),
        "median_hours_to_acknowledge": _median(
            [_hours(r.sent_at, r.acknowledged_at) for r in rows]
        ),
        "median_hours_to_accept": _median([_hours(r.sent_at, r.accepted_at) for r in rows]),
        "declines_by_reason": dict(Counter(r.business_status or "unknown" for r in declined)),
        "declines_by_purpose": dict(Counter(r.purpose for r in declined)),
        "expired": sum(1 for r in rows if r.business_status == "expired"),
    }


@router.get("/figures", summary="Network figures, without personal data (network admins)")
async def network_figures(_: NetworkAdmin, svc: ServiceDep) -> dict[str, Any]:
    async with svc.factory() as session:
        return await figures(session)


async def purge(
    session: AsyncSession, *, retention_days: int, now: datetime | None = None
) -> dict[str, int]:
    """Removes claimant details from referrals closed longer than the retention period.

    History, audit and the de-identified referral rows stay, so figures still add up.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    due = (
        await session.exec(
            select(Referral.id).where(
                col(Referral.closed_at).is_not(None),
                col(Referral.closed_at) < cutoff,
                col(Referral.purged_at).is_(None),
            )
        )
    ).all()
    ids = list(due)
    if ids:
        await execute(
            session,
            update(Referral)
            .where(col(Referral.id).in_(ids))
            .values(share_enc=None, outcome_enc=None, purged_at=now),
        )
        await execute(
            session, update(Note).where(col(Note.referral_id).in_(ids)).values(body_enc=None)
        )
    open_claimants = select(Referral.claimant_id).where(col(Referral.purged_at).is_(None))
    claimants = (
        await session.exec(
            select(Claimant.id).where(
                col(Claimant.purged_at).is_(None),
                col(Claimant.created_at) < cutoff,
                col(Claimant.id).not_in(open_claimants),
            )
        )
    ).all()
    if claimants:
        await execute(
            session,
            update(Claimant)
            .where(col(Claimant.id).in_(list(claimants)))
            .values(details_enc=None, purged_at=now),
        )
    await audit.record(
        session,
        actor="system:retention",
        action="retention.purge",
        entity="referral",
        entity_id="*",
        detail={
            "referrals": len(ids),
            "claimants": len(claimants),
            "retention_days": retention_days,
        },
    )
    return {"referrals": len(ids), "claimants": len(claimants)}
