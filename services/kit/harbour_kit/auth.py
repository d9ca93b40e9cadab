"""Bearer-token verification, the signed-in `Principal`, and role/organisation checks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import anyio
import jwt
from fastapi import Depends, Request
from jwt import PyJWKClient
from starlette.requests import HTTPConnection

from harbour_kit.errors import Forbidden, Unauthorized
from harbour_kit.settings import ServiceSettings


class Role(StrEnum):
    """The roles a token can carry."""

    SOCIAL_WORKER = "social_worker"
    PARTNER_STAFF = "partner_staff"
    ORG_ADMIN = "org_admin"
    NETWORK_ADMIN = "network_admin"


ROLES = frozenset(r.value for r in Role)  # an identity provider's other roles mean nothing here


@dataclass(frozen=True)
class Principal:
    """Who is calling: subject, organisation, roles and preferred locale."""

    sub: str
    org_id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    locale: str = "en"
    token: str = field(default="", repr=False)

    def has_role(self, *roles: str) -> bool:
        """Tells whether the principal holds any of `roles`."""
        return bool(self.roles.intersection(roles))

    def belongs_to(self, org_id: str) -> bool:
        """Tells whether the principal acts for organisation `org_id`."""
        return self.org_id is not None and self.org_id == org_id


def claim(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted `path` in token claims (`realm_access.roles`), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def principal_from_claims(
    claims: dict[str, Any],
    *,
    token: str = "",
    roles_claim: str = "roles",
    org_claim: str = "org_id",
) -> Principal:
    """The principal that verified claims describe, read through the configured claim paths."""
    roles = claim(claims, roles_claim) or []
    if isinstance(roles, str):
        roles = roles.split()
    org_id = claim(claims, org_claim)
    if isinstance(org_id, list):  # user attributes may arrive as one-element lists
        org_id = org_id[0] if org_id else None
    return Principal(
        sub=str(claims["sub"]),
        org_id=str(org_id) if org_id else None,
        roles=frozenset(str(r) for r in roles if str(r) in ROLES),
        locale=str(claims.get("locale") or "en"),
        token=token,
    )


class TokenVerifier:
    """Verifies JWTs with a local public key (embedded default) or an OIDC provider's JWKS."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithms: list[str],
        public_key_file: Path | None = None,
        jwks_url: str | None = None,
        leeway: float = 5.0,
        roles_claim: str = "roles",
        org_claim: str = "org_id",
    ) -> None:
        if not public_key_file and not jwks_url:
            raise ValueError("a public key file or a JWKS URL is required")
        self.issuer, self.audience, self.algorithms, self.leeway = (
            issuer,
            audience,
            algorithms,
            leeway,
        )
        self.roles_claim, self.org_claim = roles_claim, org_claim
        self._public_key_file = public_key_file
        self._public_key: str | None = None
        self._jwks = PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None

    async def _key_for(self, token: str) -> Any:
        if self._jwks is not None:
            jwks = self._jwks
            signing_key = await anyio.to_thread.run_sync(jwks.get_signing_key_from_jwt, token)
            return signing_key.key
        if self._public_key is None:
            assert self._public_key_file is not None
            try:
                self._public_key = self._public_key_file.read_text()
            except OSError as exc:
                raise Unauthorized("The service has no key to verify tokens with.") from exc
        return self._public_key

    async def verify(self, token: str) -> Principal:
        """Returns the principal a valid token names; raises `Unauthorized` otherwise."""
        try:
            key = await self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized(
                "The token has expired; sign in again.", code="token-expired"
            ) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is not valid.", code="invalid-token") from exc
        return principal_from_claims(
            claims, token=token, roles_claim=self.roles_claim, org_claim=self.org_claim
        )

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenVerifier:
        """The verifier a service's settings describe (JWKS when set, else the local key)."""
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            algorithms=settings.jwt_algorithms,
            public_key_file=None if settings.jwt_jwks_url else settings.public_key_path,
            jwks_url=settings.jwt_jwks_url,
            roles_claim=settings.jwt_roles_claim,
            org_claim=settings.jwt_org_claim,
        )


def mint_token(
    private_key_pem: str,
    *,
    sub: str,
    org_id: str | None,
    roles: list[str],
    locale: str = "en",
    issuer: str = "harbour-local",
    audience: str = "harbour",
    ttl_seconds: int = 12 * 3600,
    name: str | None = None,
    now: float | None = None,
    email: str | None = None,
) -> str:
    """Signs a token with the local key (embedded default and tests only)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "org_id": org_id,
        "roles": roles,
        "locale": locale,
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if name:
        claims["name"] = name
    if email:
        claims["email"] = email
    return jwt.encode(claims, private_key_pem, algorithm="EdDSA")


def _bearer(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def optional_principal(request: HTTPConnection) -> Principal | None:
    """The caller if a token is present (and valid); `None` for the public."""
    token = _bearer(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(token)


async def current_principal(request: Request) -> Principal:
    """The signed-in caller; 401 without a valid bearer token."""
    principal = await optional_principal(request)
    if principal is None:
        raise Unauthorized("Sign in: this needs a bearer token.", code="missing-token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only principals holding one of `roles`."""
    allowed = tuple(str(r) for r in roles)

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(*allowed):
            raise Forbidden(
                f"This needs one of the roles: {', '.join(allowed)}.", code="wrong-role"
            )
        return principal

    return _check


def require_org_member(principal: Principal, org_id: str) -> None:
    """Refuses a principal acting outside its own organisation."""
    if not principal.belongs_to(org_id) and not principal.has_role(Role.NETWORK_ADMIN):
        raise Forbidden("You can only act for your own organisation.", code="wrong-organisation")
