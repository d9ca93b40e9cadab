"""One pooled HTTP client for the services behind the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from prometheus_client import CollectorRegistry, Counter

from harbour_gateway.settings import GatewaySettings
from harbour_kit.events.envelope import current_traceparent, new_traceparent


@dataclass
class DownstreamError(Exception):
    """A service answered with a problem, or did not answer."""

    service: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


def segment(value: object) -> str:
    """An id as one path segment: percent-encoded, so it can never name another route."""
    return quote(str(value), safe="")


def _names_no_record(path: str) -> bool:
    """An empty, dot or encoded-slash segment: no id is like that, and it would change the route."""
    return any(part in {"", ".", ".."} or "%2F" in part.upper() for part in path.split("/")[1:])


class Downstream:
    """Calls the directory, referrals and notifications services, forwarding the caller's token."""

    def __init__(self, settings: GatewaySettings, registry: CollectorRegistry) -> None:
        self.urls = {
            "directory": settings.directory_url.rstrip("/"),
            "referrals": settings.referrals_url.rstrip("/"),
            "notifications": settings.notifications_url.rstrip("/"),
        }
        self.timeout = aiohttp.ClientTimeout(total=settings.downstream_timeout)
        self.calls = Counter(
            "harbour_gateway_downstream_requests",
            "Requests the gateway made to the services",
            ["service", "method"],
            registry=registry,
        )
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
        return await self.request("GET", service, path, token=token, params=params)

    async def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Sends one request and returns the JSON answer; problems become `DownstreamError`."""
        assert self._session is not None, "Downstream.start() was not awaited"
        if _names_no_record(path):
            raise DownstreamError(service, 404, "not-found", "No such record.")
        # Each hop is a new span of the caller's trace.
        sent = {
            "accept": "application/json",
            "traceparent": new_traceparent(current_traceparent.get()),
            **(headers or {}),
        }
        if token:
            sent["authorization"] = f"Bearer {token}"
        if body is not None:
            sent["content-type"] = "application/json"
        self.calls.labels(service, method).inc()
        try:
            async with self._session.request(
                method,
                self.urls[service] + path,
                headers=sent,
                params=params,
                data=None if body is None else orjson.dumps(body),
            ) as response:
                raw = await response.read()
                if response.status >= 400:
                    # A refusal without a problem document (the HTTP server's own) is no outage.
                    problem = _problem(raw)
                    raise DownstreamError(
                        service,
                        response.status,
                        str(problem.get("code", "downstream-error")),
                        str(problem.get("detail", f"{service} answered {response.status}")),
                        list(problem.get("errors") or []),
                    )
                return orjson.loads(raw) if raw else None
        except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
            raise DownstreamError(
                service, 503, "service-unavailable", f"The {service} service is not answering."
            ) from exc


def _problem(raw: bytes) -> dict[str, Any]:
    """The problem document in an error body, or nothing when the body is not one."""
    try:
        data = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
