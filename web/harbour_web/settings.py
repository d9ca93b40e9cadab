"""Web app settings (`WEB_*`, plus the shared `HARBOUR_*`)."""

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class WebSettings(ServiceSettings):
    """How the web app runs, where the gateway is, and how people sign in."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", populate_by_name=True)

    service_name: str = "web"
    port: int = 8004
    gateway_url: str = "http://127.0.0.1:8000/graphql"
    gateway_timeout: float = 10.0
    results: int = 20  # results on the claimant's first page; more come a page at a time

    # OpenID Connect (Authorization Code + PKCE); when unset, only a local Harbour can sign in.
    oidc_issuer: str | None = None
    oidc_client_id: str = "harbour-web"
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid profile email"
    # Where the web app itself reads the provider's metadata when its public issuer address is
    # not reachable from inside the deployment (e.g. `http://keycloak:8080/realms/harbour/…`).
    oidc_metadata_url: str | None = None
    # The address people use (redirect URIs are built from it); else the request's own.
    public_url: str | None = None
    # Signs the session cookie; a random one per process when unset (sessions end on restart).
    session_secret: SecretStr | None = None
    cookie_secure: bool = True
    session_idle: float = 8 * 3600  # seconds without a request before a session ends
    refresh_margin: float = 60.0  # seconds before expiry that an access token is renewed
    # Written by `./harbour up`: the demo personas. Used only without an identity provider,
    # with the app on loopback.
    local_personas_file: Path | None = None
    time_zone: str = "Asia/Hong_Kong"  # the consoles' default zone
