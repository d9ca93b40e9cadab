"""Gateway settings (`GATEWAY_*`, plus the shared `HARBOUR_*`)."""

from typing import Annotated

from pydantic import SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

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
    # Callers whose X-Forwarded-For names the real client (the web app), for the search limit.
    trusted_proxies: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        return (
            [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        )

    workers: int = 1  # uvicorn worker processes; the gateway holds no state they would share
