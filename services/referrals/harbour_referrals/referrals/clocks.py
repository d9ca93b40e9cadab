"""Deadlines: overdue referrals expire and re-route, driven from the database, not timers.

A sweep looks for referrals past their acknowledgement or decision deadline; each is expired in
its own transaction (on PostgreSQL with `SKIP LOCKED`, so replicas share the work). Nothing is
held in memory: a restart simply finds the same rows on its next sweep.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select

from harbour_kit.db import dialect_of
from harbour_referrals.lifecycle import Status
from harbour_referrals.models import Referral
from harbour_referrals.referrals import service
from harbour_referrals.runtime import Runtime

log = structlog.get_logger("harbour.referrals.clocks")


def _overdue(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(col(Referral.status) == Status.REQUESTED.value, col(Referral.ack_due_at) < now),
        and_(
            col(Referral.status).in_([Status.REQUESTED.value, Status.RECEIVED.value]),
            col(Referral.accept_due_at) < now,
        ),
    )


async def sweep(runtime: Runtime, now: datetime | None = None) -> int:
    """Expires every overdue referral; returns how many."""
    now = now or datetime.now(UTC)
    svc = runtime.service
    expired = 0
    while True:
        async with svc.uow() as session:
            query = select(Referral.id).where(_overdue(now)).limit(1)
            if dialect_of(session) == "postgresql":
                query = query.with_for_update(skip_locked=True)
            referral_id = (await session.exec(query)).first()
            if referral_id is None:
                return expired
            await service.expire(session, runtime, referral_id)
        expired += 1
        log.info("referral_expired", referral_id=referral_id)


async def run(runtime: Runtime) -> None:
    """Sweeps every `clock_interval` seconds until cancelled."""
    while True:
        try:
            await sweep(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(runtime.settings.clock_interval)
