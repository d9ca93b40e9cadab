"""Server-side sessions: the browser holds only a random id in an HttpOnly cookie.

Tokens never reach the browser. A session keeps the access, refresh and ID tokens, who the
person is (for the page) and a CSRF token that every state-changing request must echo.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from harbour_kit.auth import principal_from_claims

SESSION_KEY = "sid"  # the only value the signed session cookie carries once signed in


@dataclass
class User:
    """Who is signed in, as the pages show it."""

    sub: str
    name: str
    org_id: str | None
    roles: tuple[str, ...]
    locale: str | None  # None: the browser's preference decides

    def has_role(self, *roles: str) -> bool:
        """Tells whether the person holds any of `roles`."""
        return any(r in self.roles for r in roles)


@dataclass
class Session:
    """One signed-in browser."""

    id: str
    user: User
    access_token: str
    expires_at: float
    refresh_token: str | None = None
    id_token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = field(default_factory=time.monotonic)
    refreshing: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


def user_from_claims(
    claims: dict[str, Any], *, roles_claim: str, org_claim: str, profile: dict[str, Any]
) -> User:
    """The person an access token's claims (and the ID token's profile) describe."""
    principal = principal_from_claims(claims, roles_claim=roles_claim, org_claim=org_claim)
    name = (
        profile.get("name")
        or claims.get("name")
        or profile.get("preferred_username")
        or principal.sub
    )
    locale = profile.get("locale") or claims.get("locale")
    return User(
        sub=principal.sub,
        name=str(name),
        org_id=principal.org_id,
        roles=tuple(sorted(principal.roles)),
        locale=str(locale) if locale else None,
    )


class SessionStore:
    """Sessions in this process's memory, dropped after `idle` seconds without a request.

    One web process per deployment keeps them (see docs/auth.md); a restart signs everyone out,
    which costs a sign-in and loses nothing else.
    """

    def __init__(self, idle: float = 8 * 3600) -> None:
        self.idle = idle
        self._sessions: dict[str, Session] = {}

    def create(
        self,
        user: User,
        *,
        access_token: str,
        expires_at: float,
        refresh_token: str | None = None,
        id_token: str | None = None,
    ) -> Session:
        """Starts a session under a new unguessable id."""
        self._sweep()
        session = Session(
            id=secrets.token_urlsafe(32),
            user=user,
            access_token=access_token,
            expires_at=expires_at,
            refresh_token=refresh_token,
            id_token=id_token,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: object) -> Session | None:
        """The live session with this id, or None."""
        if not isinstance(session_id, str):
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        now = time.monotonic()
        if now - session.last_seen > self.idle:
            self._sessions.pop(session_id, None)
            return None
        session.last_seen = now
        return session

    def drop(self, session_id: object) -> Session | None:
        """Ends a session; returns it if it existed."""
        return self._sessions.pop(session_id, None) if isinstance(session_id, str) else None

    def _sweep(self) -> None:
        cutoff = time.monotonic() - self.idle
        for key in [k for k, s in self._sessions.items() if s.last_seen < cutoff]:
            self._sessions.pop(key, None)

    def __len__(self) -> int:
        return len(self._sessions)
