"""Notifications settings (`NOTIFICATIONS_*`, plus the shared `HARBOUR_*`)."""

from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """How the notifications service runs."""

    model_config = SettingsConfigDict(
        env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "notifications"
    port: int = 8003
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
