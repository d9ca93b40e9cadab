"""Notifications settings (`NOTIFICATIONS_*`, plus the shared `HARBOUR_*`)."""

import re
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from harbour_kit.settings import ServiceSettings, comma_list


class NotificationsSettings(ServiceSettings):
    """How the notifications service runs."""

    model_config = SettingsConfigDict(
        env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "notifications"
    port: int = 8003
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Where people open Harbour (links in messages)"
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout: float = 10.0
    mail_from: str = "Harbour <no-reply@harbour.example>"
    sms_provider: str = Field(default="local", description="`local` (a file sink) or `twilio`")
    sms_fallback_provider: str | None = Field(
        default=None, description="Tried when the first fails"
    )
    sms_api_url: str = "https://api.twilio.com"
    sms_account: str | None = None
    sms_token: SecretStr | None = None
    sms_from: str = "Harbour"
    webhook_timeout: float = Field(default=10.0, gt=0, description="Seconds for a whole call")
    webhook_allowed_private: Annotated[list[str], NoDecode] = Field(
        default=[],
        description=(
            "Host names and networks (CIDR) webhooks may reach although they are not public, for"
            " a closed network; comma-separated. Empty: only public addresses."
        ),
    )
    encryption_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Webhook secret encryption keys, `kid:base64key,…` (first encrypts, all decrypt)."
            " Empty: a key file under the data folder is created and used (embedded default only)."
        ),
    )
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff: float = Field(default=2.0, gt=0, description="Seconds before the 1st retry")
    delivery_backoff_cap: float = Field(default=600.0, gt=0)
    # The longest a sender sleeps when nothing is due; a commit that queues a delivery wakes it.
    delivery_poll_interval: float = Field(default=30.0, gt=0)
    delivery_workers: int = Field(default=4, ge=1, description="Concurrent senders (PostgreSQL)")
    digest_interval: float = Field(default=30.0, gt=0, description="Seconds between digest checks")

    @field_validator("webhook_allowed_private", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        """Reads `a,b` (or `[a, b]`) from the environment as a list."""
        return comma_list(value)

    @field_validator("webhook_allowed_private")
    @classmethod
    def _hosts_or_networks(cls, value: list[str]) -> list[str]:
        """Refuses an entry that is neither a host name nor an IP network."""
        for entry in value:
            if "/" in entry or entry.replace(".", "").isdigit() or ":" in entry:
                ip_network(entry, strict=False)  # raises ValueError for a malformed network
            elif not _HOST_NAME.fullmatch(entry):
                raise ValueError(f"{entry!r} is neither a host name nor a network")
        return value

    @property
    def local_key_path(self) -> Path:
        """Where the embedded default keeps its generated webhook secret encryption key."""
        return self.data_dir / "keys" / "notifications-secrets.key"


_LABEL = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
_HOST_NAME = re.compile(rf"(?i){_LABEL}(\.{_LABEL})*\.?")
