"""JSON logs without personal data, request metrics and the Prometheus endpoint."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.routing import Match

# Keys that must never reach a log line, whatever a caller passes.
_REDACTED_KEYS = frozenset(
    {
        "name",
        "alias",
        "phone",
        "email",
        "address",
        "body",
        "password",
        "token",
        "authorization",
        "lat",
        "lng",
        "latitude",
        "longitude",
        "near",
        "q",
        "query",
        "notes",
        "claimant",
    }
)


def _redact(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    for key in list(event_dict):
        if key.lower() in _REDACTED_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


def configure_logging(service: str, level: str = "INFO") -> None:
    """Sends structured JSON logs to stdout, tagged with the service name."""
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level.upper(), force=True)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


class Metrics:
    """The Prometheus collectors of one service."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "harbour_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "harbour_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.events_published = Counter(
            "harbour_events_published_total",
            "Events published from the outbox",
            ["type"],
            registry=self.registry,
        )
        self.events_handled = Counter(
            "harbour_events_handled_total",
            "Events handled by consumers",
            ["consumer", "outcome"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "harbour_dead_letters_total",
            "Messages moved to the dead-letter table",
            ["consumer"],
            registry=self.registry,
        )


def _route_template(request: Request) -> str:
    # The template (`/services/{id}`), never the raw path or query string.
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return str(getattr(route, "path", "unmatched"))
    return "unmatched"


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    """Adds request logging and metrics middleware and the `/metrics` endpoint."""
    log = structlog.get_logger("harbour.http")

    @app.middleware("http")
    async def _observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        route = _route_template(request)
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            if route not in {"/metrics", "/healthz", "/readyz"}:
                metrics.requests.labels(request.method, route, str(status)).inc()
                metrics.latency.labels(request.method, route).observe(elapsed)
                log.info(
                    "request",
                    method=request.method,
                    route=route,
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
