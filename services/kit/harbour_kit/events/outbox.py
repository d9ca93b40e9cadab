"""The transactional outbox: events are written with the change and published by a relay."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import structlog
from nats.errors import Error as NatsError
from nats.js.errors import Error as JetStreamError
from sqlalchemy import insert, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import SessionFactory, dialect_of, execute, unit_of_work
from harbour_kit.events.bus import EventBus
from harbour_kit.events.envelope import Envelope, EventContract, nats_subject
from harbour_kit.events.registry import ContractRegistry
from harbour_kit.events.tables import EventTables
from harbour_kit.observability import Metrics

log = structlog.get_logger("harbour.outbox")


class Outbox:
    """Adds events to the caller's transaction; they leave only if it commits."""

    def __init__(
        self, *, tables: EventTables, source: str, namespace: str, contracts: ContractRegistry
    ) -> None:
        self.tables, self.source, self.namespace = tables, source, namespace
        self.contracts = contracts
        self._committed = asyncio.Event()

    async def add(
        self, session: AsyncSession, contract: EventContract, *, subject: str | None = None
    ) -> Envelope:
        """Records `contract` in the current transaction; `ContractViolation` if it does not fit."""
        envelope = Envelope.wrap(contract, source=self.source, subject=subject)
        self.contracts.validated(envelope)
        await execute(
            session,
            insert(self.tables.outbox).values(
                event_id=envelope.id,
                event_type=envelope.type,
                nats_subject=nats_subject(envelope.type, self.namespace),
                source=envelope.source,
                subject=envelope.subject,
                occurred_at=envelope.time,
                data=envelope.data,
                traceparent=envelope.traceparent,
                attempts=0,
            ),
        )
        # The relay is woken after the caller's commit (see `notify`), or by its poll.
        return envelope

    def notify(self) -> None:
        """Tells the relay that new events may be waiting."""
        self._committed.set()

    async def wait(self, seconds: float) -> None:
        """Waits for `notify` or `seconds`, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._committed.wait(), seconds)
        self._committed.clear()


class OutboxRelay:
    """Publishes pending outbox rows to JetStream in order, then marks them published."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        factory: SessionFactory,
        bus: EventBus,
        metrics: Metrics,
        batch_size: int = 200,
        poll_interval: float = 1.0,
    ) -> None:
        self.outbox, self.factory, self.bus, self.metrics = outbox, factory, bus, metrics
        self.batch_size, self.poll_interval = batch_size, poll_interval

    async def publish_pending(self) -> int:
        """Publishes one batch of pending events; returns how many were published."""
        table = self.outbox.tables.outbox
        async with unit_of_work(self.factory) as session:
            query = (
                select(table)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.position)
                .limit(self.batch_size)
            )
            if dialect_of(session) == "postgresql":
                # Relay replicas share the work: each takes rows the others have not locked.
                query = query.with_for_update(skip_locked=True)
            rows = (await execute(session, query)).mappings().all()
            done: list[int] = []
            js = self.bus.jetstream()
            for row in rows:
                envelope = Envelope(
                    id=row["event_id"],
                    type=row["event_type"],
                    source=row["source"],
                    time=row["occurred_at"],
                    data=row["data"],
                    subject=row["subject"],
                    traceparent=row["traceparent"],
                )
                try:
                    ack = await js.publish(
                        row["nats_subject"], envelope.body(), headers=envelope.headers(), timeout=5
                    )
                except (NatsError, JetStreamError, TimeoutError) as exc:
                    await execute(
                        session,
                        update(table)
                        .where(table.c.position == row["position"])
                        .values(attempts=table.c.attempts + 1, last_error=type(exc).__name__),
                    )
                    log.warning(
                        "outbox_publish_failed",
                        event_type=row["event_type"],
                        error=type(exc).__name__,
                    )
                    break  # keep order: retry from this row on the next pass
                done.append(row["position"])
                self.metrics.events_published.labels(row["event_type"]).inc()
                if ack.duplicate:
                    log.info("outbox_duplicate_ignored_by_stream", event_type=row["event_type"])
            if done:
                # One statement marks the whole batch: a round trip per event cost the relay most.
                await execute(
                    session,
                    update(table)
                    .where(table.c.position.in_(done))
                    .values(published_at=datetime.now(UTC), attempts=table.c.attempts + 1),
                )
        return len(done)

    async def run(self) -> None:
        """Relays until cancelled; sleeps on the poll interval or a commit notification."""
        while not self.bus.closing:
            await self.bus.wait_connected()
            try:
                published = await self.publish_pending()
            except Exception as exc:  # the database may be restarting: keep trying
                log.warning("outbox_relay_error", error=type(exc).__name__)
                published = 0
                await asyncio.sleep(self.poll_interval)
            if published < self.batch_size:
                await self.outbox.wait(self.poll_interval)
