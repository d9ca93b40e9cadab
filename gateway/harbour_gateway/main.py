"""The gateway: the only door clients use; it verifies tokens and holds no data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from harbour_gateway.downstream import Downstream, DownstreamError
from harbour_gateway.schema import schema
from harbour_gateway.settings import GatewaySettings
from harbour_kit.auth import TokenVerifier, optional_principal
from harbour_kit.errors import install_error_handlers, problem
from harbour_kit.events.envelope import current_traceparent, new_traceparent
from harbour_kit.observability import Metrics, configure_logging, install_observability


def create(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway's ASGI application."""
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level)
    downstream = Downstream(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await downstream.start()
        try:
            yield
        finally:
            await downstream.close()

    app = FastAPI(
        title="Harbour gateway",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.verifier = TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=settings.jwt_algorithms,
        public_key_file=None if settings.jwt_jwks_url else settings.public_key_path,
        jwks_url=settings.jwt_jwks_url,
    )
    app.state.downstream = downstream
    install_error_handlers(app)
    install_observability(app, Metrics())

    @app.middleware("http")
    async def _trace(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        token = current_traceparent.set(request.headers.get("traceparent") or new_traceparent())
        try:
            return await call_next(request)
        finally:
            current_traceparent.reset(token)

    async def context(request: Request) -> dict[str, Any]:
        return {
            "principal": await optional_principal(request),
            "downstream": downstream,
            "request": request,
        }

    app.include_router(GraphQLRouter(schema, context_getter=context), prefix="/graphql")

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> Response:
        async def check(service: str) -> str:
            try:
                await downstream.get(service, "/healthz")
                return "ok"
            except DownstreamError:
                return "unavailable"

        names = list(downstream.urls)
        results = await asyncio.gather(*(check(n) for n in names))
        checks = dict(zip(names, results, strict=True))
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "service": "gateway", "checks": checks})
        failing = ", ".join(k for k, v in checks.items() if v != "ok")
        return problem(503, "not-ready", f"Not ready: {failing} unavailable.")

    return app


def main() -> None:
    """`harbour-gateway serve`."""
    import argparse

    parser = argparse.ArgumentParser(prog="harbour-gateway")
    parser.add_argument("command", choices=["serve"])
    parser.parse_args()
    settings = GatewaySettings()
    uvicorn.run(
        "harbour_gateway.main:create",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )
