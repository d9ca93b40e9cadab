"""JSON logs without personal data, request metrics and the Prometheus endpoint."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from typing import Any

import structlog
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


# Loggers whose message text is known to hold no input (start-up, shutdown, our own events).
_SAFE_MESSAGE_LOGGERS = ("harbour", "uvicorn.error", "uvicorn")
_MAX_FRAMES = 12


def _redact(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    for key in list(event_dict):
        if key.lower() in _REDACTED_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


def _exception_shape(exc: BaseException) -> dict[str, Any]:
    """An exception as its type names and frames: never its message, which may quote input."""
    chain: list[str] = []
    frames: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 5:
        chain.append(f"{type(seen).__module__}.{type(seen).__qualname__}")
        seen = seen.__cause__ or seen.__context__
    for frame in traceback.extract_tb(exc.__traceback__)[-_MAX_FRAMES:]:
        frames.append(f"{frame.filename}:{frame.lineno} in {frame.name}")
    return {"error": chain[0], "caused_by": chain[1:], "frames": frames}


def _safe_exception(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Replaces `exc_info` with the exception's types and frames (no message, no locals)."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is None or exc_info is False:
        return event_dict
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        event_dict["exception"] = _exception_shape(exc_info)
    elif isinstance(exc_info, tuple) and exc_info[1] is not None:
        event_dict["exception"] = _exception_shape(exc_info[1])
    return event_dict


def _foreign(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """A record from a library's stdlib logger: its text only where it cannot carry input."""
    record: logging.LogRecord | None = event_dict.get("_record")
    if record is None:
        return event_dict
    event_dict["logger"] = record.name
    if not record.name.startswith(_SAFE_MESSAGE_LOGGERS):
        # Library messages may quote a query, a parameter or an exception's text.
        event_dict["event"] = "library log (text withheld)"
    if record.exc_info:
        event_dict["exc_info"] = record.exc_info
    return event_dict


_SHARED = (
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
)


def configure_logging(service: str, level: str = "INFO") -> None:
    """One JSON log path for the process: Harbour's events and every library's records alike.

    Everything is redacted by key, exceptions lose their messages, and library records keep their
    text only when the library cannot put input into it.
    """
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.contextvars.merge_contextvars, *_SHARED, _foreign],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _redact,
                _safe_exception,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "strawberry.execution"):
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    # Access lines would hold paths and query strings (a claimant's place); requests are logged
    # by Harbour's own middleware with the route template instead.
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *_SHARED,
            _redact,
            _safe_exception,
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


_UNLOGGED = frozenset({"/metrics", "/healthz", "/readyz"})


class _Observe:
    """Pure ASGI: one log line and the metrics per request, by route template (never the path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics
        self.log = structlog.get_logger("harbour.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            # The router leaves the matched route in the scope; its template, not the raw path.
            route = str(getattr(scope.get("route"), "path", "unmatched"))
            if route not in _UNLOGGED:
                elapsed = time.perf_counter() - started
                method = str(scope["method"])
                self.metrics.requests.labels(method, route, str(status)).inc()
                self.metrics.latency.labels(method, route).observe(elapsed)
                self.log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    """Adds request logging and metrics middleware and the `/metrics` endpoint."""
    app.add_middleware(_Observe, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
