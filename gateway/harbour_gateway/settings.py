"""Gateway settings (`GATEWAY_*`, plus the shared `HARBOUR_*`)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    """How the gateway runs and where the services are."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    port: int = 8000
    directory_url: str = "http://127.0.0.1:8001"
    referrals_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    downstream_timeout: float = 5.0
    search_rate_limit: str = "120/minute"  # anonymous searches per client address, all replicas
    # Keys the hash that stands for a client address in the shared counter (same on all replicas).
    search_limit_salt: SecretStr = SecretStr("")
    graphiql: bool = True
    # A GraphQL request: its body (POST) or query string (GET), and the document text in it.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_query_length: int = Field(default=16 * 1024, ge=256)
    # `trusted_proxies` (shared): callers whose X-Forwarded-For names the real client (the web
    # app), for the search limit, and whose X-Forwarded-Proto says the request came over TLS.
    workers: int = 1  # uvicorn worker processes; the gateway holds no state they would share
