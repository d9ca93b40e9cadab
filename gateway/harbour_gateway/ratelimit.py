"""Anonymous search is rate-limited per client address (signed-in members are not)."""

from __future__ import annotations

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


class SearchLimiter:
    """A moving-window limit such as `60/minute`, kept in this process's memory."""

    def __init__(self, rate: str) -> None:
        self.item: RateLimitItem = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def allow(self, client: str) -> bool:
        """Counts one search by `client`; False once it is over the limit."""
        return await self.limiter.hit(self.item, "search", client)
