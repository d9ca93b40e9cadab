"""The live feed: referral and inbox events from NATS, fanned out to GraphQL subscribers.

The gateway holds no durable consumer: a subscription shows what happens while it is open, and a
client that reconnects reads the current state by query. Events carry ids and states only, and
each subscriber re-reads the referral with its own token, so nothing reaches a subscriber that the
services would not show them. Each message is read with its event type's contract; one that does
not fit is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import nats
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from harbour_kit.contracts import CONTRACTS, InboxChangedV3, ReferralTransitioned
from harbour_kit.events.envelope import Envelope, EventContract, nats_subject
from harbour_kit.events.registry import ContractRegistry

log = structlog.get_logger("harbour.gateway.live")

E = TypeVar("E", bound=EventContract)
# The events subscriptions are made of.
FEED: tuple[type[EventContract], ...] = (ReferralTransitioned, InboxChangedV3)


@dataclass(eq=False)
class Listener(Generic[E]):
    """One open subscription: which events it wants, and where they wait."""

    contract: type[E]
    match: Callable[[E], bool]
    queue: asyncio.Queue[E] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))

    def offer(self, event: EventContract) -> None:
        """Queues `event` if it is one this subscription wants."""
        if not isinstance(event, self.contract) or not self.match(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("live_listener_behind")


class Live:
    """Subscribes to the feed's event subjects once and hands events to listeners."""

    def __init__(
        self,
        url: str,
        namespace: str,
        *,
        feed: tuple[type[EventContract], ...] = FEED,
        contracts: ContractRegistry = CONTRACTS,
    ) -> None:
        self.url, self.namespace = url, namespace
        self.feed, self.contracts = feed, contracts
        self.listeners: set[Listener[Any]] = set()
        self.registrations = 0  # listeners registered since start (see `registered`)
        self._registration = asyncio.Event()
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def connection(self) -> Client | None:
        """The NATS connection once made (shared with the search limit)."""
        return self._client

    async def start(self) -> None:
        """Connects in the background; the gateway serves queries without NATS."""
        self._task = asyncio.create_task(self._connect(), name="live-connect")

    async def _connect(self) -> None:
        """Connects, subscribes to each event type of the feed, then reports ready."""
        while self._client is None:
            try:
                self._client = await nats.connect(
                    self.url,
                    name="gateway",
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                )
            except Exception as exc:
                log.warning("nats_unreachable", error=type(exc).__name__)
                await asyncio.sleep(1)
        for contract in self.feed:
            subject = nats_subject(contract.event_type, self.namespace)
            await self._client.subscribe(subject, cb=self._deliver)
        await self._client.flush()  # the server has the subscriptions before we say ready
        log.info("live_feed_ready")
        self.ready.set()

    async def close(self) -> None:
        """Stops listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()

    async def _deliver(self, msg: Msg) -> None:
        """Reads one message with its contract and offers it to every listener."""
        try:
            event = self.contracts.validated(Envelope.from_message(msg.headers, msg.data))
        except ValueError as exc:  # not a CloudEvent, or not what its contract says
            log.warning("live_event_unreadable", error=type(exc).__name__)
            return
        for listener in list(self.listeners):
            listener.offer(event)

    @contextlib.contextmanager
    def listen(self, contract: type[E], match: Callable[[E], bool]) -> Iterator[Listener[E]]:
        """Registers a listener for events of `contract` that `match`, while a subscription runs."""
        listener = Listener(contract, match)
        self.listeners.add(listener)
        self._registered()
        try:
            yield listener
        finally:
            self.listeners.discard(listener)

    def _registered(self) -> None:
        """Counts one more registration and wakes whoever waits for it."""
        self.registrations += 1
        self._registration.set()
        self._registration = asyncio.Event()

    async def registered(self, count: int) -> None:
        """Returns once `count` listeners have registered since the gateway started."""
        while self.registrations < count:
            await self._registration.wait()
