"""Deadlines: reminders before them, expiry after, driven from the database, not timers.

A sweep first reminds the receiving organisation of each deadline that is near (once per
deadline: the referral remembers which one it reminded of), then expires every referral past its
acknowledgement or decision deadline. Each referral is handled in its own transaction (on
PostgreSQL with `SKIP LOCKED`, so replicas share the work). Nothing is held in memory: a restart
simply finds the same rows on its next sweep.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog

from harbour_kit.contracts import ReferralDeadlineApproaching
from harbour_kit.contracts.vocabulary import DeadlineStep
from harbour_referrals.lifecycle import Status
from harbour_referrals.models import Referral
from harbour_referrals.referrals import repository, service
from harbour_referrals.runtime import Runtime

log = structlog.get_logger("harbour.referrals.clocks")


def _aware(value: datetime) -> datetime:
    """A stored timestamp as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite keeps no offset


def next_deadline(*, referral: Referral) -> tuple[DeadlineStep, datetime] | None:
    """What the receiving organisation must do next, and by when."""
    if referral.status == Status.REQUESTED.value and referral.ack_due_at is not None:
        return "acknowledge", _aware(referral.ack_due_at)
    if referral.status in repository.AWAITING_RECIPIENT and referral.accept_due_at:
        return "decide", _aware(referral.accept_due_at)
    return None


def reminder_due(*, referral: Referral, lead_hours: float, now: datetime) -> datetime | None:
    """The deadline to remind of now, if its reminder time has come and it was not sent yet."""
    found = next_deadline(referral=referral)
    if found is None:
        return None
    _, due = found
    given = due - _aware(referral.sent_at or referral.created_at)
    lead = min(timedelta(hours=lead_hours), given / 4)
    reminded = _aware(referral.reminded_due_at) if referral.reminded_due_at else None
    if now < due - lead or now >= due or reminded == due:
        return None
    return due


async def remind(runtime: Runtime, now: datetime | None = None) -> int:
    """Sends one reminder per near deadline; returns how many."""
    now = now or datetime.now(UTC)
    svc, lead = runtime.service, runtime.settings.reminder_hours
    async with svc.factory() as session:
        candidates = await repository.near_deadline(
            session=session, horizon=now + timedelta(hours=lead)
        )
    reminded = 0
    for candidate in candidates:
        if reminder_due(referral=candidate, lead_hours=lead, now=now) is None:
            continue
        async with svc.uow() as session:
            referral = await repository.claim(session=session, referral_id=candidate.id)
            if referral is None:
                continue  # another replica took it
            due = reminder_due(referral=referral, lead_hours=lead, now=now)
            found = next_deadline(referral=referral)
            if due is None or found is None:
                continue  # it moved on meanwhile
            referral.reminded_due_at = due
            await repository.add(session=session, row=referral)
            await runtime.outbox.add(
                session,
                ReferralDeadlineApproaching(
                    referral_id=referral.id,
                    reference=referral.reference,
                    service_id=referral.service_id,
                    recipient_organization_id=referral.recipient_organization_id,
                    step=found[0],
                    due_at=due,
                    occurred_at=now,
                ),
                subject=referral.id,
            )
        reminded += 1
        log.info("referral_deadline_reminded", referral_id=candidate.id)
    return reminded


async def sweep(runtime: Runtime, now: datetime | None = None) -> int:
    """Reminds of near deadlines, then expires every overdue referral; returns how many expired."""
    now = now or datetime.now(UTC)
    await remind(runtime, now)
    svc = runtime.service
    expired = 0
    while True:
        async with svc.uow() as session:
            referral_id = await repository.next_overdue(session=session, now=now)
            if referral_id is None:
                return expired
            await service.expire(session=session, runtime=runtime, referral_id=referral_id)
        expired += 1
        log.info("referral_expired", referral_id=referral_id)


async def run(*, runtime: Runtime) -> None:
    """Sweeps every `clock_interval` seconds until cancelled."""
    while True:
        try:
            await sweep(runtime)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(runtime.settings.clock_interval)
