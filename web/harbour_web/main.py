"""The web app: server-rendered claimant search, and the consoles, in front of the gateway."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from harbour_kit.cli import run_service_cli
from harbour_kit.errors import install_error_handlers, problem
from harbour_kit.headers import SecurityHeaders
from harbour_kit.observability import Metrics, configure_logging, install_observability
from harbour_web import proxy, reports, signin
from harbour_web.gateway import Gateway, GatewayError
from harbour_web.i18n import LOCALES, Locale, Messages, negotiate
from harbour_web.search import SPOKEN, needs, places, read_query, search
from harbour_web.settings import WebSettings
from harbour_web.signin import Auth

HERE = Path(__file__).parent
STATIC_VERSION = "4"  # bump when a static file changes, so year-long caching stays safe
CATEGORY_TTL = 600.0  # seconds the need picker's words are kept; they change rarely

# No inline script or style anywhere (a test renders every template), so the policy forbids both.
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def policy(settings: WebSettings) -> str:
    """The content security policy; signing out is a form whose answer goes to the provider."""
    if not settings.oidc_issuer:
        return POLICY
    issuer = urlsplit(settings.oidc_issuer)
    return POLICY.replace(
        "form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}"
    )


def templates() -> Environment:
    """The Jinja2 environment of the pages."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_version"] = STATIC_VERSION
    return env


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def create(settings: WebSettings | None = None) -> FastAPI:
    """The web app's ASGI application."""
    settings = settings or WebSettings()
    auth = Auth(settings)
    configure_logging("web", settings.log_level)
    gateway = Gateway(settings.gateway_url, settings.gateway_timeout)
    pages = templates()
    picker: dict[str, tuple[float, list[tuple[str, str]]]] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.start()
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(
        title="Harbour web", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.gateway = gateway
    app.state.auth = auth
    install_error_handlers(app)
    install_observability(app, Metrics())
    app.add_middleware(GZipMiddleware, minimum_size=500)
    # Referrer-Policy: no-referrer, so a followed link never tells where the search was.
    app.add_middleware(
        SecurityHeaders, policy=policy(settings), trusted_proxies=settings.trusted_proxies
    )
    # The cookie holds a signed random session id (and, while signing in, the OIDC state);
    # tokens stay in the server-side store.
    secret = settings.session_secret
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        session_cookie="harbour_session",
        max_age=None,
        same_site="lax",
        https_only=settings.cookie_secure,
    )

    @app.middleware("http")
    async def _static_cache(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith("/static/"):
            # Links carry `?v=`, so a changed file gets a new address and caches stay right.
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response

    async def need_picker(locale: Locale, t: Messages) -> list[tuple[str, str]]:
        cached = picker.get(locale.code)
        if cached and time.monotonic() - cached[0] < CATEGORY_TTL:
            return cached[1]
        found = await needs(gateway, locale, t)
        picker[locale.code] = (time.monotonic(), found)
        return found

    def render(name: str, locale: Locale, **values: object) -> HTMLResponse:
        t = Messages(locale)
        html = pages.get_template(name).render(locale=locale, locales=LOCALES, t=t, **values)
        # Results depend on where someone is; no shared cache or back-forward store keeps them.
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    @app.get("/", response_class=HTMLResponse, summary="Find help near a place")
    async def home(request: Request) -> HTMLResponse:
        params = dict(request.query_params)
        locale = negotiate(params.get("lang"), request.headers.get("accept-language"))
        t = Messages(locale)
        query = read_query(params)
        submitted = "near" in params or "lat" in params
        speaks = query.speaks if submitted else (locale.speaks or "")
        results = (
            await search(gateway, query, locale, t, first=settings.results, client=_client(request))
            if submitted
            else None
        )
        others = {code: "/?" + urlencode({**params, "lang": code}) for code in LOCALES}
        return render(
            "search.html",
            locale,
            query=query,
            speaks=speaks,
            spoken=SPOKEN,
            needs=await need_picker(locale, t),
            results=results,
            switch=others,
        )

    @app.get("/places", summary="Place names for the search box")
    async def place_names(prefix: str = "") -> Response:
        try:
            names = await places(gateway, prefix)
        except GatewayError:
            names = []
        return JSONResponse(names, headers={"cache-control": "public, max-age=3600"})

    def page(request: Request, name: str, **values: object) -> HTMLResponse:
        locale = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
        return render(name, locale, **values)

    def console(request: Request, name: str) -> Response:
        session = auth.session(request)
        path = request.url.path
        if session is None:
            return RedirectResponse("/signin?" + urlencode({"next": path}), status_code=303)
        if not signin.may_open(session.user, path):
            # Someone on the wrong console goes to theirs rather than meeting refusals there.
            return RedirectResponse(signin.landing(session.user) or "/signin?error=no-console", 303)
        user = session.user
        locale = negotiate(
            request.query_params.get("lang") or user.locale, request.headers.get("accept-language")
        )
        return render(
            name,
            locale,
            user=user,
            csrf=session.csrf,
            time_zone=settings.time_zone,
            consoles=[p for _, p in signin.CONSOLES if signin.may_open(user, p)],
        )

    @app.get("/worker", response_class=HTMLResponse, summary="Social worker console")
    async def worker(request: Request) -> Response:
        return console(request, "worker.html")

    @app.get("/partner", response_class=HTMLResponse, summary="Partner console")
    async def partner(request: Request) -> Response:
        return console(request, "partner.html")

    @app.get("/admin", response_class=HTMLResponse, summary="Organisation admin console")
    async def admin(request: Request) -> Response:
        return console(request, "admin.html")

    @app.get("/moderation", response_class=HTMLResponse, summary="Network moderation console")
    async def moderation(request: Request) -> Response:
        return console(request, "moderation.html")

    app.include_router(reports.router(gateway, render, _client))

    app.include_router(signin.router(auth, page))
    app.include_router(proxy.router(gateway, auth))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "web"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> Response:
        try:
            await gateway.data("{ __typename }")
        except GatewayError:
            return problem(503, "not-ready", "Not ready: gateway unavailable.")
        return JSONResponse({"status": "ready", "service": "web", "checks": {"gateway": "ok"}})

    return app


def main() -> None:
    """`harbour-web serve`."""
    run_service_cli(settings=WebSettings(), app_path="harbour_web.main:create", migrations_dir=None)
