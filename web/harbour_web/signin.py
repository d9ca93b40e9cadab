"""Signing people in: OpenID Connect (Authorization Code + PKCE) or, on a local Harbour only,
the demo personas signed with the local key. Either way the result is a server-side session."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import HTTPConnection

from harbour_kit.auth import mint_token
from harbour_kit.errors import problem
from harbour_kit.keys import ensure_keypair
from harbour_web.sessions import SESSION_KEY, Session, SessionStore, User, user_from_claims
from harbour_web.settings import WebSettings

# The console each role lands on, in order of preference.
CONSOLES = (
    ("social_worker", "/worker"),
    ("partner_staff", "/partner"),
    ("org_admin", "/admin"),
    ("network_admin", "/moderation"),
)
ALLOWED = {
    "/worker": ("social_worker",),
    "/partner": ("partner_staff", "org_admin"),
    "/admin": ("org_admin",),
    "/moderation": ("network_admin",),
}
LOCAL_TTL = 12 * 3600


def landing(user: User) -> str | None:
    """The console that fits the person's roles, or None when no console does."""
    return next((path for role, path in CONSOLES if user.has_role(role)), None)


def safe_next(value: str | None) -> str | None:
    """A same-site path to go back to after signing in; anything else is dropped."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value if urlsplit(value).path in ALLOWED else None


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine's loopback address."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Authenticator(Protocol):
    """One way of signing in."""

    kind: str

    async def fresh(self, session: Session) -> bool:
        """Renews the session's access token; False when it cannot be renewed."""
        ...


@dataclass(frozen=True)
class Persona:
    """A demo user of a local Harbour."""

    key: str
    label: str
    sub: str
    org_id: str | None
    roles: tuple[str, ...]
    locale: str = "en"


class LocalSignIn:
    """The demo personas of `./harbour up`, signed with the local key.

    It exists only when no identity provider is configured, the app listens on loopback and
    the runner has written the personas file; each request must also arrive on loopback.
    """

    kind = "local"

    def __init__(self, personas_file: Path, keys_dir: Path, settings: WebSettings) -> None:
        self.personas_file = personas_file
        self.keys_dir = keys_dir
        self.settings = settings

    def personas(self) -> list[Persona]:
        """The personas the runner wrote (read each time: the file may change)."""
        try:
            raw = json.loads(self.personas_file.read_text())
        except (OSError, ValueError):
            return []
        return [
            Persona(
                key=str(p["key"]),
                label=str(p["label"]),
                sub=str(p["sub"]),
                org_id=p.get("org_id"),
                roles=tuple(p.get("roles") or ()),
                locale=str(p.get("locale") or "en"),
            )
            for p in raw
        ]

    def mint(self, persona: Persona) -> tuple[str, float]:
        """A token for `persona` and when it expires."""
        private_path, _ = ensure_keypair(self.keys_dir)
        issued = time.time()
        token = mint_token(
            private_path.read_text(),
            sub=persona.sub,
            org_id=persona.org_id,
            roles=list(persona.roles),
            locale=persona.locale,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            ttl_seconds=LOCAL_TTL,
            name=persona.label,
            now=issued,
        )
        return token, issued + LOCAL_TTL

    async def fresh(self, session: Session) -> bool:
        """Signs a new token for the same persona."""
        persona = next((p for p in self.personas() if p.sub == session.user.sub), None)
        if persona is None:
            return False
        session.access_token, session.expires_at = self.mint(persona)
        return True


class OidcSignIn:
    """Authorization Code + PKCE against the configured issuer (Authlib does the protocol)."""

    kind = "oidc"

    def __init__(self, settings: WebSettings) -> None:
        assert settings.oidc_issuer
        self.settings = settings
        self.oauth = OAuth()
        secret = settings.oidc_client_secret
        self.client: Any = self.oauth.register(
            "harbour",
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            server_metadata_url=settings.oidc_metadata_url
            or settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic" if secret else "none",
            },
        )

    def user(self, token: dict[str, Any]) -> User:
        """Who the token response names: roles and organisation from the access token."""
        access = jwt.decode(token["access_token"], options={"verify_signature": False})
        profile = dict(token.get("userinfo") or {})
        return user_from_claims(
            access,
            roles_claim=self.settings.jwt_roles_claim,
            org_claim=self.settings.jwt_org_claim,
            profile=profile,
        )

    async def fresh(self, session: Session) -> bool:
        """Uses the refresh token; False when there is none or the provider refuses it."""
        if not session.refresh_token:
            return False
        try:
            token = await self.client.fetch_access_token(
                grant_type="refresh_token", refresh_token=session.refresh_token
            )
        except (OAuthError, OSError, ValueError):
            return False
        session.access_token = token["access_token"]
        session.expires_at = _expires_at(token)
        session.refresh_token = token.get("refresh_token") or session.refresh_token
        session.id_token = token.get("id_token") or session.id_token
        return True


def _expires_at(token: dict[str, Any]) -> float:
    if token.get("expires_at"):
        return float(token["expires_at"])
    return time.time() + float(token.get("expires_in") or 300)


def authenticator(settings: WebSettings) -> Authenticator | None:
    """The sign-in this deployment has: OIDC when an issuer is set, else local when allowed."""
    if settings.oidc_issuer:
        return OidcSignIn(settings)
    personas = settings.local_personas_file
    if personas is not None and is_loopback(settings.host):
        return LocalSignIn(personas, settings.public_key_path.parent, settings)
    return None


class Auth:
    """Sessions plus the sign-in that fills them; used by the pages and the GraphQL door."""

    def __init__(self, settings: WebSettings, store: SessionStore | None = None) -> None:
        self.settings = settings
        self.store = store or SessionStore(idle=settings.session_idle)
        self.signin = authenticator(settings)

    def session(self, request: HTTPConnection) -> Session | None:
        """The signed-in session of this request, if any."""
        return self.store.get(request.session.get(SESSION_KEY))

    async def token(self, session: Session) -> str | None:
        """A valid access token for the session, renewed shortly before it expires."""
        if session.expires_at - time.time() > self.settings.refresh_margin:
            return session.access_token
        async with session.refreshing:
            if session.expires_at - time.time() > self.settings.refresh_margin:
                return session.access_token
            if self.signin is not None and await self.signin.fresh(session):
                return session.access_token
        self.store.drop(session.id)
        return None

    def start(self, request: Request, session: Session) -> None:
        """Binds a new session to the browser (a fresh cookie value: no fixation)."""
        request.session.clear()
        request.session[SESSION_KEY] = session.id


def router(auth: Auth, render: Any) -> APIRouter:
    """`/signin`, `/auth/callback`, `/signin/local` and `/signout`."""
    routes = APIRouter(include_in_schema=False)

    def csrf_for_form(request: Request) -> str:
        value = request.session.get("csrf")
        if not isinstance(value, str):
            value = secrets.token_urlsafe(32)
            request.session["csrf"] = value
        return value

    def go(request: Request, session: Session, wanted: str | None) -> Response:
        target = wanted if wanted and may_open(session.user, wanted) else landing(session.user)
        return RedirectResponse(target or "/signin?error=no-console", status_code=303)

    @routes.get("/signin", response_class=HTMLResponse)
    async def signin(request: Request, next: str | None = None, error: str | None = None) -> Any:
        wanted = safe_next(next)
        current = auth.session(request)
        if current is not None and error is None:
            return go(request, current, wanted)
        if isinstance(auth.signin, OidcSignIn) and error is None:
            request.session["next"] = wanted
            redirect_uri = _callback_url(request, auth)
            return await auth.signin.client.authorize_redirect(request, redirect_uri)
        personas = (
            auth.signin.personas()
            if isinstance(auth.signin, LocalSignIn) and is_loopback(_server_host(request))
            else []
        )
        return render(
            request,
            "signin.html",
            personas=personas,
            next=wanted or "",
            csrf=csrf_for_form(request),
            error=error,
            mode=auth.signin.kind if auth.signin else "none",
        )

    @routes.get("/auth/callback")
    async def callback(request: Request) -> Response:
        if not isinstance(auth.signin, OidcSignIn):
            return problem(404, "not-found", "There is no identity provider to return from.")
        try:
            token = await auth.signin.client.authorize_access_token(request)
        except OAuthError as exc:
            return RedirectResponse(f"/signin?error={exc.error or 'refused'}", status_code=303)
        wanted = safe_next(request.session.get("next"))
        user = auth.signin.user(token)
        session = auth.store.create(
            user,
            access_token=token["access_token"],
            expires_at=_expires_at(token),
            refresh_token=token.get("refresh_token"),
            id_token=token.get("id_token"),
        )
        auth.start(request, session)
        return go(request, session, wanted)

    @routes.post("/signin/local")
    async def local(
        request: Request,
        persona: str = Form(...),
        csrf: str = Form(...),
        then: str = Form("", alias="next"),
    ) -> Response:
        if not isinstance(auth.signin, LocalSignIn) or not is_loopback(_server_host(request)):
            return problem(404, "not-found", "Demo sign-in exists only on a local Harbour.")
        if csrf != request.session.get("csrf"):
            return problem(403, "csrf", "The sign-in form expired; load it again.")
        chosen = next((p for p in auth.signin.personas() if p.key == persona), None)
        if chosen is None:
            return problem(
                422,
                "validation-error",
                "No such demo persona.",
                errors=[{"field": "persona", "message": "not one of the demo personas"}],
            )
        token, expires = auth.signin.mint(chosen)
        user = user_from_claims(
            jwt.decode(token, options={"verify_signature": False}),
            roles_claim="roles",
            org_claim="org_id",
            profile={"name": chosen.label, "locale": chosen.locale},
        )
        session = auth.store.create(user, access_token=token, expires_at=expires)
        auth.start(request, session)
        return go(request, session, safe_next(then))

    @routes.post("/signout")
    async def signout(request: Request, csrf: str = Form("")) -> Response:
        session = auth.session(request)
        if session is not None and csrf != session.csrf:
            return problem(403, "csrf", "Sign out from the console's own button.")
        request.session.clear()
        if session is None:
            return RedirectResponse("/", status_code=303)
        auth.store.drop(session.id)
        if isinstance(auth.signin, OidcSignIn):
            metadata = await auth.signin.client.load_server_metadata()
            if metadata.get("end_session_endpoint"):
                response: Response = await auth.signin.client.logout_redirect(
                    request,
                    post_logout_redirect_uri=_public_base(request, auth) + "/signed-out",
                    id_token_hint=session.id_token,
                )
                response.status_code = 303
                return response
        return RedirectResponse("/", status_code=303)

    @routes.get("/signed-out")
    async def signed_out(request: Request) -> Response:
        # Back from the provider's logout: its `state` is checked and forgotten.
        if isinstance(auth.signin, OidcSignIn):
            with contextlib.suppress(OAuthError):
                await auth.signin.client.validate_logout_response(request)
        return RedirectResponse("/", status_code=303)

    return routes


def may_open(user: User, path: str) -> bool:
    """Whether the person's roles admit the console at `path`."""
    return user.has_role(*ALLOWED.get(urlsplit(path).path, ()))


def _server_host(request: Request) -> str | None:
    server = request.scope.get("server")
    return str(server[0]) if server else None


def _public_base(request: Request, auth: Auth) -> str:
    if auth.settings.public_url:
        return auth.settings.public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def _callback_url(request: Request, auth: Auth) -> str:
    return _public_base(request, auth) + "/auth/callback"
