"""What every resolver gets: the caller, the HTTP pool, per-request loaders and the live feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from harbour_gateway.downstream import Downstream
from harbour_gateway.loaders import Loaders
from harbour_kit.auth import Principal

if TYPE_CHECKING:
    from harbour_gateway.live import Live
    from harbour_gateway.ratelimit import SearchLimiter


class Context(BaseContext):
    """One per HTTP request, or one per WebSocket connection."""

    def __init__(
        self,
        *,
        principal: Principal | None,
        downstream: Downstream,
        live: Live,
        limiter: SearchLimiter,
        client_address: str,
        token_expires_at: float | None = None,
    ) -> None:
        super().__init__()
        self.principal = principal
        self.downstream = downstream
        self.live = live
        self.limiter = limiter
        self.client_address = client_address
        self.token_expires_at = token_expires_at
        self.loaders = Loaders(downstream, principal)

    def sign_in(self, principal: Principal, expires_at: float | None) -> None:
        """Sets the caller of a WebSocket connection, from its `connection_init` token."""
        self.principal = principal
        self.token_expires_at = expires_at
        self.loaders = Loaders(self.downstream, principal)

    @property
    def token(self) -> str | None:
        """The caller's bearer token, forwarded to the services (which verify it again)."""
        return self.principal.token if self.principal else None

    @property
    def locale(self) -> str:
        """The caller's preferred language, English for the public."""
        return self.principal.locale if self.principal else "en"


Info = StrawberryInfo[Context, Any]
