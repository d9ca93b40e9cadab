"""The live feed: referral and inbox events from NATS, fanned out to GraphQL subscribers.

The gateway holds no durable consumer: a subscription shows what happens while it is open, and a
client that reconnects reads the current state by query. Events carry ids and states only, and
each subscriber re-reads the referral with its own token, so nothing reaches a subscriber that the
services would not show them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import nats
import orjson
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

log = structlog.get_logger("harbour.gateway.live")

Match = Callable[[str, dict[str, Any]], bool]
REFERRAL_CHANGED = "harbour.referrals.referral.transitioned.v1"
INBOX_CHANGED = "harbour.notifications.inbox.changed.v1"


@dataclass(eq=False)
class Listener:
    """One open subscription: what it wants, and where matching events wait."""

    match: Match
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=1000)
    )


class Live:
    """Subscribes to the services' event subjects once and hands events to listeners."""

    def __init__(self, url: str, namespace: str) -> None:
        self.url, self.namespace = url, namespace
        self.listeners: set[Listener] = set()
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
        for subject in ("referrals.referral.>", "notifications.inbox.>"):
            await self._client.subscribe(f"{self.namespace}.{subject}", cb=self._deliver)
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
        kind = (msg.headers or {}).get("ce-type", "")
        try:
            data = orjson.loads(msg.data)
        except orjson.JSONDecodeError:
            return
        for listener in list(self.listeners):
            if listener.match(kind, data):
                try:
                    listener.queue.put_nowait((kind, data))
                except asyncio.QueueFull:
                    log.warning("live_listener_behind")

    @contextlib.contextmanager
    def listen(self, match: Match) -> Iterator[Listener]:
        """Registers a listener for the duration of a subscription."""
        listener = Listener(match)
        self.listeners.add(listener)
        try:
            yield listener
        finally:
            self.listeners.discard(listener)
