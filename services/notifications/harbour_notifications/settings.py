"""Notifications settings (`NOTIFICATIONS_*`, plus the shared `HARBOUR_*`)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


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
    webhook_timeout: float = 10.0
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff: float = Field(default=2.0, gt=0, description="Seconds before the 1st retry")
    delivery_backoff_cap: float = Field(default=600.0, gt=0)
    delivery_poll_interval: float = Field(default=0.1, gt=0)
    delivery_workers: int = Field(default=4, ge=1, description="Concurrent senders (PostgreSQL)")
    digest_interval: float = Field(default=30.0, gt=0, description="Seconds between digest checks")
