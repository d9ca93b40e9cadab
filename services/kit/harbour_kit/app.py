"""The FastAPI application shell every service shares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.docs import install_docs
from harbour_kit.errors import (
    install_error_handlers,
    problem,
    problem_openapi,
    problem_responses,
)
from harbour_kit.events.deadletters import list_dead_letters, redrive
from harbour_kit.events.envelope import current_traceparent
from harbour_kit.headers import SecurityHeaders
from harbour_kit.observability import configure_logging, install_observability
from harbour_kit.service import Service

NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


def _operations_router(service: Service) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service.name}

    @router.get("/readyz", summary="Readiness: database and NATS reachable")
    async def readyz() -> Response:
        checks = await service.readiness()
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "service": service.name, "checks": checks})
        failing = ", ".join(k for k, v in checks.items() if v != "ok")
        response = problem(503, "not-ready", f"Not ready: {failing} unavailable.")
        response.headers["Retry-After"] = "1"
        return response

    if service.consumers:

        @router.get(
            "/admin/dead-letters",
            summary="Messages this service gave up on",
            responses=problem_responses(401, 403, 422),
        )
        async def dead_letters(
            _: NetworkAdmin,
            include_redriven: Annotated[bool, Query()] = False,
            limit: Annotated[int, Query(ge=1, le=500)] = 100,
        ) -> DeadLetters:
            async with service.factory() as session:
                items = await list_dead_letters(
                    session, service.tables, include_redriven=include_redriven, limit=limit
                )
            # Bodies stay in the database, out of API listings.
            return DeadLetters(items=[DeadLetter.model_validate(item) for item in items])

        @router.post(
            "/admin/dead-letters/{dead_letter_id}/redrive",
            summary="Apply a dead message again",
            responses=problem_responses(401, 403, 404, 409),
        )
        async def redrive_dead_letter(dead_letter_id: str, _: NetworkAdmin) -> DeadLetter:
            row = await redrive(service.factory, service.tables, service.consumers, dead_letter_id)
            return DeadLetter.model_validate(row)

    return router


class DeadLetter(BaseModel):
    """A message a consumer gave up on (its body stays in the database)."""

    id: str
    consumer: str
    stream: str
    stream_seq: int
    reason: str = Field(description="max-deliveries or terminated")
    deliveries: int
    event_id: str | None
    event_type: str | None
    nats_subject: str | None
    last_error: str | None
    dead_at: datetime
    redriven_at: datetime | None
    redrive_error: str | None


class DeadLetters(BaseModel):
    """Dead letters, newest first."""

    items: list[DeadLetter]


def create_app(
    service: Service,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    on_startup: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """Builds a service's application: errors, logs, metrics, health and its routers."""
    configure_logging(service.name, service.settings.log_level)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        if on_startup is not None:
            await on_startup()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title=title,
        description=description,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # `install_docs`: Swagger UI from this app, no CDN, its own policy
        redoc_url=None,
    )
    app.state.service = service
    app.state.verifier = service.verifier
    install_error_handlers(app)
    install_observability(app, service.metrics)

    @app.middleware("http")
    async def _trace(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = current_traceparent.set(request.headers.get("traceparent"))
        try:
            return await call_next(request)
        finally:
            current_traceparent.reset(token)

    app.add_middleware(SecurityHeaders, trusted_proxies=service.settings.trusted_proxies)
    install_docs(app)
    app.include_router(_operations_router(service))
    for router in routers:
        app.include_router(router)
    problem_openapi(app)
    return app


def service_of(request: Request) -> Service:
    """The running service behind a request."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(service_of)]
