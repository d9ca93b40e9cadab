"""Durable pull consumers that apply each event once, with retries and dead letters."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats.errors
import nats.js.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import SessionFactory, dialect_of, execute, unit_of_work
from harbour_kit.events.bus import EventBus
from harbour_kit.events.envelope import Envelope, nats_subject
from harbour_kit.events.registry import ContractRegistry, ContractViolation
from harbour_kit.events.streams import ensure_event_stream, stream_name
from harbour_kit.events.tables import EventTables
from harbour_kit.observability import Metrics

log = structlog.get_logger("harbour.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
ManyHandler = Callable[[AsyncSession, list[Envelope]], Awaitable[None]]
DRAIN_WAIT = 0.02  # seconds a drain fetch may wait for the server's first answer
# Seconds one pull request waits for a message: an idle service wakes rarely, and a pull lost
# in a NATS restart is asked again soon.
IDLE_WAIT = 5.0
# Seconds a batching consumer lets events gather after the first: a transaction per event
# costs more than the wait.
BATCH_LINGER = 0.02


class PermanentEventError(Exception):
    """The event can never be applied (poison): it is terminated, not retried."""


@dataclass(frozen=True)
class BatchHandler:
    """A handler that can apply many events of its type in one call (and so one transaction).

    A consumer whose handlers include one applies a fetched run of its events together; any
    other handler, and a run that fails, goes one event per transaction as before.
    """

    many: ManyHandler

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        """Applies one event."""
        await self.many(session, [envelope])


@dataclass(frozen=True)
class ConsumerPolicy:
    """Redelivery policy, from settings."""

    max_deliver: int
    backoff: list[float]
    ack_wait: float
    batch_size: int = 50

    def delay_for(self, delivered: int) -> float:
        """The nak delay after the `delivered`-th failed delivery."""
        if not self.backoff:
            return 1.0
        return self.backoff[min(delivered - 1, len(self.backoff) - 1)]


def insert_ignoring_duplicates(session: AsyncSession, table: Any, **values: Any) -> Any:
    """An INSERT that does nothing when the row's key already exists."""
    dialect = dialect_of(session)
    if dialect == "postgresql":
        return postgresql.insert(table).values(**values).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).values(**values).on_conflict_do_nothing()
    return insert(table).values(**values)


async def apply_once(
    session: AsyncSession, tables: EventTables, consumer: str, envelope: Envelope, handler: Handler
) -> bool:
    """Runs `handler` unless `consumer` already applied this event; True if it ran."""
    result = await execute(
        session,
        insert_ignoring_duplicates(
            session,
            tables.inbox,
            consumer=consumer,
            event_id=envelope.id,
            event_type=envelope.type,
            processed_at=datetime.now(UTC),
        ),
    )
    if result.rowcount == 0:
        return False
    await handler(session, envelope)
    return True


async def apply_many(
    session: AsyncSession,
    tables: EventTables,
    consumer: str,
    envelopes: list[Envelope],
    handler: BatchHandler,
) -> list[bool]:
    """Runs `handler` once on the events `consumer` has not applied yet; True for each that ran.

    An event id seen twice in `envelopes` runs once (the first).
    """
    rows: dict[str, dict[str, Any]] = {}
    now = datetime.now(UTC)
    for envelope in envelopes:
        rows.setdefault(
            envelope.id,
            {
                "consumer": consumer,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "processed_at": now,
            },
        )
    new = await _record_new(session, tables.inbox, list(rows.values()))
    applied: list[bool] = []
    fresh: list[Envelope] = []
    for envelope in envelopes:
        first = envelope.id in new
        new.discard(envelope.id)
        applied.append(first)
        if first:
            fresh.append(envelope)
    if fresh:
        await handler.many(session, fresh)
    return applied


async def _record_new(session: AsyncSession, inbox: Any, rows: list[dict[str, Any]]) -> set[str]:
    """Inserts inbox rows, skipping those already there; the event ids actually inserted."""
    dialect = dialect_of(session)
    if dialect in ("postgresql", "sqlite"):
        insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert_into(inbox).values(rows).on_conflict_do_nothing().returning(inbox.c.event_id)
        )
        return set((await execute(session, statement)).scalars())
    new: set[str] = set()
    for row in rows:
        result = await execute(session, insert_ignoring_duplicates(session, inbox, **row))
        if result.rowcount:
            new.add(row["event_id"])
    return new


@dataclass
class DurableConsumer:
    """One service's durable pull consumer on one producer's stream."""

    name: str
    producer: str
    handlers: dict[str, Handler]
    tables: EventTables
    factory: SessionFactory
    bus: EventBus
    metrics: Metrics
    policy: ConsumerPolicy
    namespace: str
    contracts: ContractRegistry
    replicas: int = 1
    last_errors: OrderedDict[int, str] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        """Refuses handlers for event types without a registered contract."""
        unknown = sorted(t for t in self.handlers if t not in self.contracts)
        if unknown:
            raise ValueError(f"no contract is registered for {', '.join(unknown)}")

    @property
    def stream(self) -> str:
        """The producer stream this consumer reads."""
        return stream_name(self.namespace, self.producer)

    def config(self) -> ConsumerConfig:
        """The JetStream consumer configuration derived from the policy."""
        return ConsumerConfig(
            name=self.name,
            durable_name=self.name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.policy.ack_wait,
            max_deliver=self.policy.max_deliver,
            filter_subjects=sorted(nats_subject(t, self.namespace) for t in self.handlers),
            max_ack_pending=1000,
            num_replicas=self.replicas,
        )

    async def subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        """Declares the stream and the durable consumer, and binds a pull subscription."""
        await ensure_event_stream(
            js, namespace=self.namespace, producer=self.producer, replicas=self.replicas
        )
        await ensure_consumer(js, self.stream, self.config())
        return await js.pull_subscribe_bind(durable=self.name, stream=self.stream)

    async def handle(self, msg: Msg) -> None:
        """Applies one message at most once if it fits its contract; acks, naks or terminates."""
        delivered = msg.metadata.num_delivered
        try:
            envelope = Envelope.from_message(msg.headers, msg.data)
        except ValueError as exc:
            await self._terminate(msg, f"unreadable: {exc}")
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            await msg.ack()
            return
        try:
            self.contracts.validated(envelope)
        except ContractViolation as exc:
            await self._terminate(msg, str(exc))  # poison: it would fail the same way again
            return
        try:
            async with unit_of_work(self.factory) as session:
                applied = await apply_once(session, self.tables, self.name, envelope, handler)
        except PermanentEventError as exc:
            await self._terminate(msg, str(exc)[:200])
            return
        except Exception as exc:
            self._remember_error(msg, exc)
            delay = self.policy.delay_for(delivered)
            log.warning(
                "event_failed",
                consumer=self.name,
                event_type=envelope.type,
                delivered=delivered,
                retry_in=delay,
                error=type(exc).__name__,
            )
            self.metrics.events_handled.labels(self.name, "retry").inc()
            await msg.nak(delay=delay)
            return
        await msg.ack()
        self.metrics.events_handled.labels(self.name, "applied" if applied else "duplicate").inc()

    @property
    def batches(self) -> bool:
        """Whether any handler applies runs of events together (`BatchHandler`)."""
        return any(isinstance(h, BatchHandler) for h in self.handlers.values())

    async def handle_all(self, messages: list[Msg]) -> None:
        """Handles fetched messages in order; a run of one batch handler's events goes at once."""
        run: list[tuple[Msg, Envelope]] = []
        runner: BatchHandler | None = None
        for msg in messages:
            ready = self._batchable(msg)
            if ready is None or ready[1] is not runner:
                await self._apply_run(run, runner)
                run, runner = [], None
            if ready is None:
                await self.handle(msg)
                continue
            run.append((msg, ready[0]))
            runner = ready[1]
        await self._apply_run(run, runner)

    def _batchable(self, msg: Msg) -> tuple[Envelope, BatchHandler] | None:
        """The envelope and batch handler of a message that fits its contract, else None."""
        try:
            envelope = Envelope.from_message(msg.headers, msg.data)
        except ValueError:
            return None
        handler = self.handlers.get(envelope.type)
        if not isinstance(handler, BatchHandler):
            return None
        try:
            self.contracts.validated(envelope)
        except ContractViolation:
            return None
        return envelope, handler

    async def _apply_run(
        self, run: list[tuple[Msg, Envelope]], handler: BatchHandler | None
    ) -> None:
        """Applies a run in one transaction; if that fails, each message alone, as `handle`."""
        if not run or handler is None:
            return
        if len(run) == 1:
            await self.handle(run[0][0])
            return
        try:
            async with unit_of_work(self.factory) as session:
                applied = await apply_many(
                    session, self.tables, self.name, [envelope for _, envelope in run], handler
                )
        except Exception as exc:
            # One bad event must not hold up or double the others: each gets its own transaction.
            log.info(
                "event_batch_failed", consumer=self.name, events=len(run), error=type(exc).__name__
            )
            for msg, _ in run:
                await self.handle(msg)
            return
        for (msg, _), ran in zip(run, applied, strict=True):
            await msg.ack()
            self.metrics.events_handled.labels(self.name, "applied" if ran else "duplicate").inc()

    def _remember_error(self, msg: Msg, exc: Exception) -> None:
        self.last_errors[msg.metadata.sequence.stream] = f"{type(exc).__name__}: {exc}"[:500]
        while len(self.last_errors) > 1000:
            self.last_errors.popitem(last=False)

    async def _terminate(self, msg: Msg, reason: str) -> None:
        self.last_errors[msg.metadata.sequence.stream] = reason[:500]
        log.warning("event_terminated", consumer=self.name, reason=reason[:200])
        self.metrics.events_handled.labels(self.name, "terminated").inc()
        # `+TERM <reason>` puts the reason into JetStream's terminated advisory.
        await self.bus.client.publish(msg.reply, b"+TERM " + reason.encode()[:200])

    async def run(self) -> None:
        """Fetches and handles messages until cancelled, surviving NATS outages."""
        await run_pull_loop(
            self.bus,
            self.subscribe,
            self.handle,
            self.policy.batch_size,
            label=self.name,
            handle_all=self.handle_all if self.batches else None,
            linger=BATCH_LINGER if self.batches else 0.0,
        )


async def ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    """Creates the durable consumer or brings its configuration up to date."""
    try:
        # JetStream creates the durable, or updates it when only editable fields differ.
        await js.add_consumer(stream, config=config)
    except nats.js.errors.BadRequestError as exc:
        # A change JetStream cannot apply in place (e.g. the deliver policy). Deleting the
        # durable would replay the stream, and replicas of two versions would keep deleting
        # each other's: keep the existing one and tell the operator.
        log.error(
            "consumer_config_conflict",
            consumer=config.durable_name,
            stream=stream,
            error=str(exc.description)[:200],
        )


async def run_pull_loop(
    bus: EventBus,
    subscribe: Callable[[JetStreamContext], Awaitable[JetStreamContext.PullSubscription]],
    handle: Callable[[Msg], Awaitable[None]],
    batch_size: int,
    *,
    label: str,
    handle_all: Callable[[list[Msg]], Awaitable[None]] | None = None,
    linger: float = 0.0,
) -> None:
    """Binds a subscription and handles fetched batches; rebinds after failures.

    `handle_all`, if given, takes each fetched batch at once instead of `handle` one by one;
    `linger` seconds after a first message, what arrived meanwhile joins it.
    """
    subscription: JetStreamContext.PullSubscription | None = None
    while not bus.closing:
        await bus.wait_connected()
        try:
            if subscription is None:
                subscription = await subscribe(bus.jetstream())
            try:
                # Wait for one message only: a larger batch would linger until it fills.
                messages = await subscription.fetch(1, timeout=IDLE_WAIT)
            except nats.errors.TimeoutError:
                continue
            if linger > 0:
                await asyncio.sleep(linger)
                with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
                    messages += await subscription.fetch(batch_size - 1, timeout=DRAIN_WAIT)
            while messages:
                if handle_all is not None:
                    await handle_all(messages)
                else:
                    for message in messages:
                        await handle(message)
                if len(messages) < batch_size and len(messages) != 1:
                    break
                try:
                    # Then take what is already waiting, without waiting for more.
                    messages = await subscription.fetch(batch_size, timeout=DRAIN_WAIT)
                except (nats.errors.TimeoutError, TimeoutError):
                    # nats-py raises the builtin TimeoutError when the loop is busy.
                    break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("consumer_loop_error", consumer=label, error=type(exc).__name__)
            subscription = None
            await asyncio.sleep(1)
