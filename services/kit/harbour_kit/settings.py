"""Settings shared by every Harbour service, read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def comma_list(value: object) -> object:
    """Reads `a,b` (or `[a, b]`) from the environment as a list; other values pass unchanged."""
    if isinstance(value, str):
        text = value.strip().strip("[]")
        return [part.strip().strip("\"'") for part in text.split(",") if part.strip()]
    return value


def _shared(name: str) -> AliasChoices:
    """Reads a setting shared by all services from its `HARBOUR_` variable."""
    return AliasChoices(f"HARBOUR_{name}")


class ServiceSettings(BaseSettings):
    """Settings every service has; subclasses set `env_prefix` and their defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    data_dir: Path = Field(default=Path(".harbour"), validation_alias=_shared("DATA_DIR"))
    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))

    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias=_shared("NATS_URL"))
    events_namespace: str = Field(
        default="harbour", validation_alias=_shared("EVENTS_NAMESPACE"), pattern=r"^[a-z][a-z0-9]*$"
    )
    events_replicas: int = Field(default=1, ge=1, le=5, validation_alias=_shared("EVENTS_REPLICAS"))
    events_max_deliver: int = Field(default=6, ge=2, validation_alias=_shared("EVENTS_MAX_DELIVER"))
    events_backoff: Annotated[list[float], NoDecode] = Field(
        default=[1.0, 5.0, 30.0, 120.0, 600.0], validation_alias=_shared("EVENTS_BACKOFF")
    )
    events_ack_wait: float = Field(default=30.0, gt=0, validation_alias=_shared("EVENTS_ACK_WAIT"))
    # A commit in this process wakes the relay at once; the poll finds rows other processes wrote.
    outbox_poll_interval: float = Field(
        default=5.0, gt=0, validation_alias=_shared("OUTBOX_POLL_INTERVAL")
    )

    jwt_public_key_file: Path | None = Field(
        default=None, validation_alias=_shared("JWT_PUBLIC_KEY_FILE")
    )
    jwt_jwks_url: str | None = Field(default=None, validation_alias=_shared("JWT_JWKS_URL"))
    jwt_issuer: str = Field(default="harbour-local", validation_alias=_shared("JWT_ISSUER"))
    jwt_audience: str = Field(default="harbour", validation_alias=_shared("JWT_AUDIENCE"))
    jwt_algorithms: Annotated[list[str], NoDecode] = Field(
        default=["EdDSA", "RS256", "ES256"], validation_alias=_shared("JWT_ALGORITHMS")
    )
    # Where an identity provider puts roles and the organisation (dotted paths into the claims,
    # e.g. `realm_access.roles`); Harbour's own tokens use the defaults.
    jwt_roles_claim: str = Field(default="roles", validation_alias=_shared("JWT_ROLES_CLAIM"))
    jwt_org_claim: str = Field(default="org_id", validation_alias=_shared("JWT_ORG_CLAIM"))
    # Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (a proxy in front).
    trusted_proxies: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]

    @field_validator("events_backoff", "jwt_algorithms", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return comma_list(value)

    @property
    def sqlite_default_url(self) -> str:
        """The embedded default: one SQLite file per service under the data folder."""
        return f"sqlite+aiosqlite:///{self.data_dir / 'db' / f'{self.service_name}.db'}"

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or the SQLite file of the embedded default."""
        return self.database_url or self.sqlite_default_url

    @property
    def public_key_path(self) -> Path:
        """Where the local JWT public key lives when no JWKS URL is configured."""
        return self.jwt_public_key_file or self.data_dir / "keys" / "jwt-public.pem"
