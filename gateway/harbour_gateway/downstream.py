"""One pooled HTTP client for the services behind the gateway."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from harbour_gateway.settings import GatewaySettings
from harbour_kit.events.envelope import current_traceparent, new_traceparent


class DownstreamError(Exception):
    """A service answered with a problem, or did not answer."""

    def __init__(self, service: str, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.service, self.status, self.code, self.detail = service, status, code, detail


class Downstream:
    """Calls the directory, referrals and notifications services, forwarding the caller's token."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.urls = {
            "directory": settings.directory_url.rstrip("/"),
            "referrals": settings.referrals_url.rstrip("/"),
            "notifications": settings.notifications_url.rstrip("/"),
        }
        self.timeout = aiohttp.ClientTimeout(total=settings.downstream_timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Opens the shared connection pool."""
        self._session = aiohttp.ClientSession(
            timeout=self.timeout,
            connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
            json_serialize=lambda o: orjson.dumps(o).decode(),
        )

    async def close(self) -> None:
        """Closes the pool."""
        if self._session is not None:
            await self._session.close()

    async def get(
        self,
        service: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """GETs JSON from a service; raises `DownstreamError` on problems and outages."""
        assert self._session is not None, "Downstream.start() was not awaited"
        # Each hop is a new span of the caller's trace.
        headers = {
            "accept": "application/json",
            "traceparent": new_traceparent(current_traceparent.get()),
        }
        if token:
            headers["authorization"] = f"Bearer {token}"
        try:
            async with self._session.get(
                self.urls[service] + path, headers=headers, params=params
            ) as response:
                body = await response.read()
                data = orjson.loads(body) if body else None
                if response.status >= 400:
                    problem = data if isinstance(data, dict) else {}
                    raise DownstreamError(
                        service,
                        response.status,
                        str(problem.get("code", "downstream-error")),
                        str(problem.get("detail", f"{service} answered {response.status}")),
                    )
                return data
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DownstreamError(
                service, 503, "service-unavailable", f"The {service} service is not answering."
            ) from exc
