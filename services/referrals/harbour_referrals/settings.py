"""Referrals settings (`REFERRALS_*`, plus the shared `HARBOUR_*`)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """How the referrals service runs."""

    model_config = SettingsConfigDict(
        env_prefix="REFERRALS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "referrals"
    port: int = 8002
    encryption_keys: SecretStr | None = Field(
        default=None,
        description=(
            "Field encryption keys, `kid:base64key,…` (first encrypts, all decrypt). Empty: a key"
            " file under the data folder is created and used (embedded default only)."
        ),
    )
    acknowledge_hours: dict[str, float] = Field(
        default={"urgent": 4.0, "soon": 24.0, "routine": 72.0},
        description="Hours a partner has to acknowledge a sent referral, by urgency",
    )
    accept_hours: dict[str, float] = Field(
        default={"urgent": 24.0, "soon": 72.0, "routine": 168.0},
        description="Hours a partner has to accept or decline a sent referral, by urgency",
    )
    clock_interval: float = Field(default=30.0, gt=0, description="Seconds between deadline sweeps")
    reminder_hours: float = Field(
        default=24.0,
        gt=0,
        description=(
            "Remind the receiving organisation this many hours before a deadline (at most a"
            " quarter of the time it was given)"
        ),
    )
    retention_days: int = Field(
        default=365, ge=1, description="Days after closing before claimant details are purged"
    )

    @property
    def local_key_path(self) -> Path:
        """Where the embedded default keeps its generated field encryption key."""
        return self.data_dir / "keys" / "referrals-fields.key"
