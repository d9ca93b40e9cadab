"""The verification sweep: one reminder per stale listing and stale period, from the database.

A listing is reminded of once for the assured date it has; confirming it changes that date, so
it is reminded of again only when it goes stale again. Each reminder is its own transaction, and
the reminder row's key makes a second replica's attempt fail instead of reminding twice.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import IntegrityError

from harbour_directory.settings import settings_of
from harbour_directory.verification import repository
from harbour_directory.verification.service import assured_on, cutoff, local_today
from harbour_kit.contracts import ListingVerificationDue
from harbour_kit.service import Service

log = structlog.get_logger("harbour.directory.verification")


async def sweep(service: Service, now: datetime | None = None) -> int:
    """Publishes `listing.verification.due` for each stale listing not yet reminded of."""
    now = now or datetime.now(UTC)
    settings = settings_of(service)
    oldest = cutoff(
        today=local_today(now=now, time_zone=settings.time_zone),
        period_days=settings.verification_period_days,
    )
    async with service.factory() as session:
        due = await repository.unreminded_stale(session=session, cutoff=oldest)
    reminded = 0
    for candidate in due:
        try:
            async with service.uow() as session:
                found = await repository.unreminded_stale(
                    session=session, cutoff=oldest, service_id=candidate.id
                )
                if not found:
                    continue  # confirmed or reminded meanwhile
                listing = found[0]
                await repository.record_reminder(
                    session=session,
                    service_id=listing.id,
                    assured_date=listing.assured_date,
                    at=now,
                )
                await service.outbox.add(
                    session,
                    ListingVerificationDue(
                        service_id=listing.id,
                        organization_id=listing.organization_id,
                        name=listing.name,
                        assured_date=assured_on(listing.assured_date),
                        occurred_at=now,
                    ),
                    subject=listing.id,
                )
        except IntegrityError:
            continue  # another replica reminded of it at the same moment
        reminded += 1
        log.info("listing_verification_due", service_id=candidate.id)
    return reminded


async def run(*, service: Service) -> None:
    """Sweeps every `verification_interval` seconds, the first one interval after start."""
    while True:
        await asyncio.sleep(settings_of(service).verification_interval)
        try:
            await sweep(service)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("verification_sweep_failed", error=type(exc).__name__)
