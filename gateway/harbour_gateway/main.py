"""The gateway: the only door clients use; it verifies tokens and holds no data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import jwt
import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from harbour_gateway.context import Context
from harbour_gateway.downstream import Downstream, DownstreamError
from harbour_gateway.ide import ide_page
from harbour_gateway.limits import RequestLimits
from harbour_gateway.live import Live
from harbour_gateway.ratelimit import SearchLimiter
from harbour_gateway.schema import schema
from harbour_gateway.settings import GatewaySettings
from harbour_kit.auth import TokenVerifier, optional_principal
from harbour_kit.cli import listen_arguments, serve
from harbour_kit.docs import install_docs
from harbour_kit.errors import HarbourError, install_error_handlers, problem
from harbour_kit.events.envelope import current_traceparent, new_traceparent
from harbour_kit.headers import SecurityHeaders
from harbour_kit.observability import Metrics, configure_logging, install_observability


def _expiry(token: str) -> float | None:
    """The `exp` of a token that has already been verified."""
    claims = jwt.decode(token, options={"verify_signature": False})
    exp = claims.get("exp")
    return float(exp) if exp is not None else None


def _client_address(connection: HTTPConnection, trusted: list[str]) -> str:
    """Who is searching: the peer, or the client a trusted proxy (the web app) forwards for."""
    peer = connection.client.host if connection.client else "unknown"
    forwarded = connection.headers.get("x-forwarded-for")
    if forwarded and peer in trusted:
        return forwarded.split(",")[0].strip() or peer
    return peer


class TraceMiddleware:
    """Makes the caller's trace (or a new one) current for the request's downstream calls."""

    # Plain ASGI rather than `@app.middleware("http")`: a BaseHTTPMiddleware runs each request
    # in its own task group and re-wraps the body streams, a measurable cost per request.
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # as before: WebSocket connections are not traced here
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"traceparent"), b"")
        token = current_traceparent.set(incoming.decode("latin-1") or new_traceparent())
        try:
            await self.app(scope, receive, send)
        finally:
            current_traceparent.reset(token)


class HarbourRouter(GraphQLRouter[Context, None]):
    """GraphQL over HTTP and graphql-transport-ws, signing WebSocket callers in on connect."""

    def __init__(self, verifier: TokenVerifier, **kwargs: Any) -> None:
        super().__init__(schema, subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL], **kwargs)
        self.verifier = verifier

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = str(params.get("authorization") or params.get("Authorization") or "")
        token = raw.removeprefix("Bearer ").strip() or None
        if token is None:
            return None  # the public: queries over the socket, no subscriptions
        try:
            principal = await self.verifier.verify(token)
        except HarbourError as exc:
            raise ConnectionRejectionError({"code": "invalid-token"}) from exc
        context.sign_in(principal, _expiry(token))
        return None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        html, policy = ide_page(self.graphql_ide_html)
        return HTMLResponse(html, headers={"content-security-policy": policy})

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Answers a request that is not GraphQL over HTTP with a problem document, not text."""
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
            return problem(exc.status_code, code, exc.reason)

    def encode_json(self, data: object) -> str:
        # orjson: several times faster than json.dumps for a page of results. Decoded to text,
        # because graphql-transport-ws clients in browsers expect text frames, not binary.
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError subclasses json's, which Strawberry catches


def create(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway's ASGI application."""
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level)
    metrics = Metrics()
    downstream = Downstream(settings, metrics.registry)
    live = Live(settings.nats_url, settings.events_namespace)
    limiter = SearchLimiter(
        settings.search_rate_limit,
        nats=live.connection,
        bucket=f"{settings.events_namespace}-search-limit",
        replicas=settings.events_replicas,
        salt=settings.search_limit_salt.get_secret_value(),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await downstream.start()
        await live.start()
        try:
            yield
        finally:
            await live.close()
            await downstream.close()

    app = FastAPI(
        title="Harbour gateway",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # `install_docs`: Swagger UI and GraphiQL's files from here, no CDN
        redoc_url=None,
    )
    verifier = TokenVerifier.from_settings(settings)
    app.state.verifier = verifier
    app.state.downstream = downstream
    app.state.live = live
    install_error_handlers(app)
    install_observability(app, metrics)

    app.add_middleware(
        RequestLimits,
        path="/graphql",
        max_body=settings.max_body_bytes,
        max_query=settings.max_query_length,
    )
    app.add_middleware(SecurityHeaders, trusted_proxies=settings.trusted_proxies)
    install_docs(app)
    app.add_middleware(TraceMiddleware)  # added last, so outermost, as the decorator was

    async def context(connection: HTTPConnection) -> Context:
        # A WebSocket connection signs in later, with the token in its connection_init payload.
        principal = await optional_principal(connection)
        return Context(
            principal=principal,
            downstream=downstream,
            live=live,
            limiter=limiter,
            client_address=_client_address(connection, settings.trusted_proxies),
            token_expires_at=_expiry(principal.token) if principal else None,
        )

    app.include_router(
        HarbourRouter(
            verifier,
            context_getter=context,
            graphql_ide="graphiql" if settings.graphiql else None,
        ),
        prefix="/graphql",
    )

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
    """`harbour-gateway serve [--host H] [--port P]`."""
    parser = listen_arguments("harbour-gateway")
    parser.add_argument("command", choices=["serve"])
    where = parser.parse_args()
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    serve(
        "harbour_gateway.main:create",
        factory=True,
        host=where.host or settings.host,
        port=where.port or settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        ws_max_size=settings.max_body_bytes,  # a graphql-transport-ws message, as a POST body
    )
