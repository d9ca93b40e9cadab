"""Dead letters: copied from JetStream's advisories into a table operators can re-drive."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.db import SessionFactory, execute, unit_of_work
from harbour_kit.errors import Conflict, NotFound
from harbour_kit.events.bus import EventBus
from harbour_kit.events.consumer import (
    DurableConsumer,
    apply_once,
    ensure_consumer,
    insert_ignoring_duplicates,
    run_pull_loop,
)
from harbour_kit.events.envelope import Envelope
from harbour_kit.events.streams import ensure_dead_letter_stream
from harbour_kit.events.tables import EventTables
from harbour_kit.observability import Metrics

log = structlog.get_logger("harbour.deadletters")

REASONS = {"MAX_DELIVERIES": "max-deliveries", "MSG_TERMINATED": "terminated"}


@dataclass
class DeadLetterCollector:
    """Reads one service's advisory stream and records each message it gave up on."""

    service: str
    consumers: Sequence[DurableConsumer]
    tables: EventTables
    factory: SessionFactory
    bus: EventBus
    metrics: Metrics
    namespace: str
    replicas: int = 1

    @property
    def durable(self) -> str:
        """The collector's own durable consumer name."""
        return f"{self.service}-deadletters"

    async def subscribe(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        """Declares the advisory stream and binds the collector's pull subscription."""
        stream = await ensure_dead_letter_stream(
            js,
            namespace=self.namespace,
            consumer=self.service,
            producers=sorted({c.producer for c in self.consumers}),
            replicas=self.replicas,
        )
        await ensure_consumer(
            js,
            stream,
            ConsumerConfig(
                name=self.durable,
                durable_name=self.durable,
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=30,
                max_deliver=-1,
                num_replicas=self.replicas,
            ),
        )
        return await js.pull_subscribe_bind(durable=self.durable, stream=stream)

    async def handle(self, msg: Msg) -> None:
        """Stores the dead message named by one advisory; retries until it is stored."""
        try:
            advisory = orjson.loads(msg.data)
            kind = msg.subject.split(".")[4]
            stream, stream_seq = advisory["stream"], int(advisory["stream_seq"])
            consumer = advisory["consumer"]
        except (orjson.JSONDecodeError, KeyError, IndexError, ValueError):
            await msg.term()
            return
        try:
            raw = await self.bus.jetstream().get_msg(stream, stream_seq)
            headers: dict[str, str] = dict(raw.headers or {})
            body = raw.data or b""
        except Exception as exc:  # the message may have aged out of the stream
            log.warning("dead_letter_message_missing", stream=stream, error=type(exc).__name__)
            headers, body = {}, b""
        last_error = next(
            (
                c.last_errors.get(stream_seq)
                for c in self.consumers
                if c.name == consumer and c.stream == stream
            ),
            None,
        ) or advisory.get("reason")
        try:
            async with unit_of_work(self.factory) as session:
                await execute(
                    session,
                    insert_ignoring_duplicates(
                        session,
                        self.tables.dead_letter,
                        id=str(uuid.uuid4()),
                        consumer=consumer,
                        stream=stream,
                        stream_seq=stream_seq,
                        reason=REASONS.get(kind, kind.lower()),
                        deliveries=int(advisory.get("deliveries") or 0),
                        event_id=headers.get("ce-id"),
                        event_type=headers.get("ce-type"),
                        nats_subject=raw.subject if body or headers else None,
                        headers=headers,
                        body=body.decode("utf-8", errors="replace"),
                        last_error=(last_error or "")[:500] or None,
                        dead_at=datetime.now(UTC),
                    ),
                )
        except Exception as exc:
            log.warning("dead_letter_store_failed", error=type(exc).__name__)
            await msg.nak(delay=2)
            return
        self.metrics.dead_letters.labels(consumer).inc()
        log.warning("dead_letter_recorded", consumer=consumer, event_type=headers.get("ce-type"))
        await msg.ack()

    async def run(self) -> None:
        """Collects until cancelled."""
        await run_pull_loop(self.bus, self.subscribe, self.handle, 20, label=self.durable)


async def list_dead_letters(
    session: AsyncSession, tables: EventTables, *, include_redriven: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """Dead letters, newest first."""
    table = tables.dead_letter
    query = select(table).order_by(table.c.dead_at.desc()).limit(limit)
    if not include_redriven:
        query = query.where(table.c.redriven_at.is_(None))
    return [dict(row) for row in (await execute(session, query)).mappings()]


async def redrive(
    factory: SessionFactory,
    tables: EventTables,
    consumers: Sequence[DurableConsumer],
    dead_letter_id: str,
) -> dict[str, Any]:
    """Applies a dead message again through its consumer's handler, once."""
    table = tables.dead_letter
    async with unit_of_work(factory) as session:
        row = (
            (await execute(session, select(table).where(table.c.id == dead_letter_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound("No such dead letter.")
    if row["redriven_at"] is not None:
        raise Conflict("This dead letter was already re-driven.", code="already-redriven")
    consumer = next(
        (c for c in consumers if c.name == row["consumer"] and c.stream == row["stream"]), None
    )
    try:
        envelope = Envelope.from_message(row["headers"], row["body"].encode())
    except ValueError as exc:
        raise Conflict(f"The message cannot be re-driven: {exc}", code="not-redrivable") from exc
    handler = consumer.handlers.get(envelope.type) if consumer else None
    if consumer is None or handler is None:
        raise Conflict("No handler in this service takes this message.", code="not-redrivable")
    try:
        async with unit_of_work(factory) as session:
            await apply_once(session, tables, consumer.name, envelope, handler)
            await execute(
                session,
                update(table)
                .where(table.c.id == dead_letter_id)
                .values(redriven_at=datetime.now(UTC), redrive_error=None),
            )
    except Exception as exc:
        async with unit_of_work(factory) as session:
            await execute(
                session,
                update(table)
                .where(table.c.id == dead_letter_id)
                .values(redrive_error=f"{type(exc).__name__}: {exc}"[:500]),
            )
        raise Conflict(
            "Re-driving failed again; the dead letter is kept.", code="redrive-failed"
        ) from exc
    async with unit_of_work(factory) as session:
        fresh = await execute(session, select(table).where(table.c.id == dead_letter_id))
        return dict(fresh.mappings().one())
