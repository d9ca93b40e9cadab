"""The one way out of the web app: GraphQL over HTTP and WebSocket to the gateway."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


class GatewayError(Exception):
    """The gateway could not be reached or answered with errors."""


class Gateway:
    """A pooled client of the gateway's GraphQL endpoint."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Opens the connection pool."""
        self._session = aiohttp.ClientSession(
            timeout=self.timeout, json_serialize=lambda v: orjson.dumps(v).decode()
        )

    async def close(self) -> None:
        """Closes the connection pool."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open session (started with the application)."""
        if self._session is None:
            raise GatewayError("the gateway client is not started")
        return self._session

    @property
    def ws_url(self) -> str:
        """The gateway's WebSocket address for graphql-transport-ws."""
        return "ws" + self.url.removeprefix("http")

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """Passes one GraphQL request body through; returns status and body."""
        try:
            async with self.session.post(self.url, data=body, headers=headers) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(type(exc).__name__) from exc

    async def data(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        forwarded_for: str | None = None,
    ) -> dict[str, Any]:
        """The `data` of a public query; raises GatewayError when it cannot be had."""
        headers = {"content-type": "application/json", "accept": "application/json"}
        if forwarded_for:
            # Anonymous searches are rate-limited per client; the gateway trusts loopback proxies.
            headers["x-forwarded-for"] = forwarded_for
        body = orjson.dumps({"query": document, "variables": variables or {}})
        status, raw = await self.post(body, headers)
        if status != 200:
            raise GatewayError(f"status {status}")
        result = orjson.loads(raw)
        if result.get("errors") or not isinstance(result.get("data"), dict):
            raise GatewayError("graphql-errors")
        data: dict[str, Any] = result["data"]
        return data
