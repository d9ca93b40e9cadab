"""Anonymous search is rate-limited per client address (signed-in members are not).

The count is shared by every gateway replica and worker: one counter per client and window in a
NATS JetStream key-value bucket (the deployment's NATS, no new store), updated by compare-and-set
so parallel hits on several replicas never lose a count. A process claims counts in blocks of at
most 1/64 of what is left in the window and spends them locally, so a client far from its limit
costs no NATS round trip per search, and near the limit (or under 128 a window) blocks are of one.
Keys hold a keyed hash of the address, never the address, and expire with their window. While
NATS cannot be reached, each process falls back to a limit in its own memory rather than letting
searches through unlimited.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from nats.aio.client import Client
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = structlog.get_logger("harbour.gateway.ratelimit")

CAS_ATTEMPTS = 8
SHARE = 64  # a claim takes at most this fraction of what is left, so idle claims strand little


class SearchLimiter:
    """A fixed-window limit such as `60/minute`, counted in NATS and shared by all replicas."""

    def __init__(
        self,
        rate: str,
        *,
        nats: Callable[[], Client | None] = lambda: None,
        bucket: str = "harbour-search-limit",
        replicas: int = 1,
        salt: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.item: RateLimitItem = parse(rate)
        self.local = FixedWindowRateLimiter(MemoryStorage())
        self.nats, self.bucket, self.replicas = nats, bucket, replicas
        self.salt, self.clock = salt.encode(), clock
        self._kv: KeyValue | None = None
        # Counts claimed in NATS and not yet spent here, and one claim at a time per key, for
        # the current window only.
        self._window = -1
        self._credit: dict[str, int] = {}
        self._claims: dict[str, asyncio.Lock] = {}

    @property
    def window(self) -> int:
        """The length of one window in seconds."""
        return int(self.item.get_expiry())

    async def allow(self, client: str) -> bool:
        """Counts one search by `client`; False once it is over the limit in this window."""
        kv = await self._bucket()
        if kv is not None:
            try:
                return await self._hit(kv, client)
            except Exception as exc:  # NATS went away mid-request: count locally instead
                log.warning("shared_limit_unavailable", error=type(exc).__name__)
                self._kv = None
        return await self.local.hit(self.item, "search", client)

    async def _bucket(self) -> KeyValue | None:
        if self._kv is not None:
            return self._kv
        connection = self.nats()
        if connection is None or not connection.is_connected:
            return None
        js = connection.jetstream()
        try:
            self._kv = await js.key_value(self.bucket)
        except BucketNotFoundError:
            self._kv = await js.create_key_value(
                KeyValueConfig(
                    bucket=self.bucket,
                    history=1,
                    ttl=2 * self.window,
                    storage=StorageType.MEMORY,
                    replicas=self.replicas,
                )
            )
        return self._kv

    def key(self, client: str, now: float) -> str:
        """The counter's key: a keyed hash of the address and the window's number."""
        digest = hmac.new(self.salt, client.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{digest}.{int(now // self.window)}"

    async def _hit(self, kv: KeyValue, client: str) -> bool:
        now = self.clock()
        window = int(now // self.window)
        if window != self._window:
            self._window, self._credit, self._claims = window, {}, {}
        key = self.key(client, now)
        if self._spend(key):
            return True
        claim = self._claims.setdefault(key, asyncio.Lock())
        async with claim:
            if self._spend(key):  # another search of this process claimed a block meanwhile
                return True
            block = await self._claim(kv, key)
            if block == 0:
                return False
            self._credit[key] = self._credit.get(key, 0) + block - 1
            return True

    def _spend(self, key: str) -> bool:
        left = self._credit.get(key, 0)
        if left > 0:
            self._credit[key] = left - 1
        return left > 0

    async def _claim(self, kv: KeyValue, key: str) -> int:
        """Adds a block of counts to the shared counter; how many, 0 once the window is full."""
        limit = self.item.amount
        for _ in range(CAS_ATTEMPTS):
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:
                block = max(1, limit // SHARE)
                try:
                    await kv.create(key, str(block).encode())
                    return block
                except KeyWrongLastSequenceError:
                    continue  # another replica counted first: read again
            count = int(entry.value or b"0")
            if count >= limit:
                return 0
            block = max(1, (limit - count) // SHARE)
            try:
                await kv.update(key, str(count + block).encode(), last=entry.revision)
                return block
            except KeyWrongLastSequenceError:
                continue
        # Contended beyond reason: one client hitting very hard. Refusing is the safe answer.
        return 0
