"""One running service: database, NATS, outbox relay, consumers and dead-letter collector."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy import MetaData
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import TokenVerifier
from harbour_kit.contracts import CONTRACTS
from harbour_kit.db import create_engine, ping, session_factory, unit_of_work
from harbour_kit.events.bus import EventBus
from harbour_kit.events.consumer import ConsumerPolicy, DurableConsumer, Handler
from harbour_kit.events.deadletters import DeadLetterCollector
from harbour_kit.events.outbox import Outbox, OutboxRelay
from harbour_kit.events.registry import ContractRegistry
from harbour_kit.events.streams import ensure_event_stream
from harbour_kit.events.tables import event_tables
from harbour_kit.observability import Metrics
from harbour_kit.settings import ServiceSettings

log = structlog.get_logger("harbour.service")


class Service:
    """The parts every service has, wired from its settings."""

    def __init__(
        self,
        settings: ServiceSettings,
        metadata: MetaData,
        *,
        produces: bool = True,
        consumes: dict[str, dict[str, Handler]] | None = None,
        contracts: ContractRegistry = CONTRACTS,
    ) -> None:
        self.settings = settings
        self.name = settings.service_name
        self.engine = create_engine(settings.effective_database_url)
        self.factory = session_factory(self.engine)
        self.tables = event_tables(metadata)
        self.metrics = Metrics()
        self.bus = EventBus(settings.nats_url, name=f"harbour-{self.name}")
        self.produces = produces
        namespace = settings.events_namespace
        self.outbox = Outbox(
            tables=self.tables,
            source=f"/harbour/{self.name}",
            namespace=namespace,
            contracts=contracts,
        )
        self.relay = OutboxRelay(
            outbox=self.outbox,
            factory=self.factory,
            bus=self.bus,
            metrics=self.metrics,
            poll_interval=settings.outbox_poll_interval,
        )
        policy = ConsumerPolicy(
            max_deliver=settings.events_max_deliver,
            backoff=settings.events_backoff,
            ack_wait=settings.events_ack_wait,
        )
        self.consumers = [
            DurableConsumer(
                name=self.name,
                producer=producer,
                handlers=handlers,
                tables=self.tables,
                factory=self.factory,
                bus=self.bus,
                metrics=self.metrics,
                policy=policy,
                namespace=namespace,
                contracts=contracts,
                replicas=settings.events_replicas,
            )
            for producer, handlers in (consumes or {}).items()
        ]
        self.collector = (
            DeadLetterCollector(
                service=self.name,
                consumers=self.consumers,
                tables=self.tables,
                factory=self.factory,
                bus=self.bus,
                metrics=self.metrics,
                namespace=namespace,
                replicas=settings.events_replicas,
            )
            if self.consumers
            else None
        )
        self.verifier = TokenVerifier.from_settings(settings)
        self._tasks: list[asyncio.Task[None]] = []
        self.streams_ready = asyncio.Event()
        # Long-running loops of the service itself (e.g. deadline sweeps), run from `start`.
        self.workers: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {}

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[AsyncSession]:
        """One transaction for one unit of work; wakes the relay after it commits."""
        async with unit_of_work(self.factory) as session:
            yield session
        self.outbox.notify()

    async def _provision(self) -> None:
        await self.bus.wait_connected()
        while True:
            try:
                # Every stream this service writes to or reads from, declared identically.
                producers = {c.producer for c in self.consumers} | (
                    {self.name} if self.produces else set()
                )
                for producer in sorted(producers):
                    await ensure_event_stream(
                        self.bus.jetstream(),
                        namespace=self.settings.events_namespace,
                        producer=producer,
                        replicas=self.settings.events_replicas,
                    )
                self.streams_ready.set()
                return
            except Exception as exc:
                log.warning("stream_provisioning_failed", error=type(exc).__name__)
                await asyncio.sleep(1)

    async def _relay_when_ready(self) -> None:
        await self.streams_ready.wait()
        await self.relay.run()

    async def start(self) -> None:
        """Starts the background parts; the HTTP side is usable at once."""
        self._tasks.append(asyncio.create_task(self.bus.connect(), name="nats-connect"))
        self._tasks.append(asyncio.create_task(self._provision(), name="provision"))
        if self.produces:
            self._tasks.append(asyncio.create_task(self._relay_when_ready(), name="relay"))
        for consumer in self.consumers:
            self._tasks.append(
                asyncio.create_task(consumer.run(), name=f"consume-{consumer.producer}")
            )
        if self.collector is not None:
            self._tasks.append(asyncio.create_task(self.collector.run(), name="dead-letters"))
        for name, worker in self.workers.items():
            self._tasks.append(asyncio.create_task(worker(), name=name))

    async def stop(self) -> None:
        """Stops background work, then closes NATS and the database pool."""
        self.bus.closing = True
        pending = {task for task in self._tasks if not task.done()}
        while pending:
            # Cancelled again until done: a cancellation that races a completing
            # request can be swallowed inside a client library.
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=2)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                task.result()
        self._tasks.clear()
        await self.bus.close()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, str]:
        """What is reachable: the database and NATS."""
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(self.engine), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable ({type(exc).__name__})"
        checks["nats"] = "ok" if self.bus.connected else "unavailable"
        return checks
