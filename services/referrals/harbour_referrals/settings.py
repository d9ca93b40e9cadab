"""Referrals settings (`REFERRALS_*`, plus the shared `HARBOUR_*`)."""

from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """How the referrals service runs."""

    model_config = SettingsConfigDict(
        env_prefix="REFERRALS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "referrals"
    port: int = 8002
