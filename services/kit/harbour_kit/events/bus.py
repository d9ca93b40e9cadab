"""The NATS connection of one service: connects in the background and keeps reconnecting."""

from __future__ import annotations

import asyncio
import contextlib

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext

log = structlog.get_logger("harbour.bus")


class EventBus:
    """Owns the NATS client; components wait for it instead of failing at start-up."""

    def __init__(self, url: str, *, name: str) -> None:
        self.url, self.name = url, name
        self._client: Client | None = None
        self._ready = asyncio.Event()
        self.closing = False

    @property
    def connected(self) -> bool:
        """Whether NATS is reachable right now."""
        return self._client is not None and self._client.is_connected

    @property
    def client(self) -> Client:
        """The connected client; raises if there has never been a connection."""
        if self._client is None:
            raise RuntimeError("NATS is not connected yet")
        return self._client

    def jetstream(self) -> JetStreamContext:
        """A JetStream context on the current connection."""
        return self.client.jetstream(timeout=10)

    async def wait_connected(self) -> None:
        """Returns once a first connection has been made."""
        await self._ready.wait()

    async def connect(self, retry_delay: float = 1.0) -> None:
        """Connects, retrying until NATS answers; later outages are handled by reconnects."""
        attempt = 0
        while self._client is None and not self.closing:
            attempt += 1
            try:
                self._client = await nats.connect(
                    self.url,
                    name=self.name,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                    error_cb=self._on_error,
                )
            except Exception as exc:
                if attempt == 1 or attempt % 30 == 0:
                    log.warning("nats_unreachable", attempt=attempt, error=type(exc).__name__)
                await asyncio.sleep(retry_delay)
        if self._client is not None:
            log.info("nats_connected")
            self._ready.set()

    async def close(self) -> None:
        """Drains and closes the connection."""
        if self._client is not None and not self._client.is_closed:
            try:
                await asyncio.wait_for(self._client.drain(), 5)
            except Exception:
                # Draining fails while the connection is down or reconnecting: just close.
                with contextlib.suppress(Exception):
                    await self._client.close()

    async def _on_disconnected(self) -> None:
        log.warning("nats_disconnected")

    async def _on_reconnected(self) -> None:
        log.info("nats_reconnected")

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats_error", error=type(exc).__name__)
