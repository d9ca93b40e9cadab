"""Directory settings (`DIRECTORY_*`, plus the shared `HARBOUR_*`)."""

from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from harbour_kit.service import Service
from harbour_kit.settings import ServiceSettings


class DirectorySettings(ServiceSettings):
    """How the directory runs."""

    model_config = SettingsConfigDict(
        env_prefix="DIRECTORY_", extra="ignore", populate_by_name=True
    )

    service_name: str = "directory"
    port: int = 8001
    geocoder: str = Field(
        default="gazetteer",
        description="`gazetteer` (offline, shipped) or the name of any geopy geocoder",
    )
    geocoder_options: dict[str, Any] = Field(
        default_factory=dict, description="Keyword arguments for the geopy geocoder (JSON)"
    )
    geocoder_cache_size: int = Field(default=10_000, ge=0)
    default_radius: float = Field(default=2000.0, gt=0, description="Metres, when `near` is given")
    max_radius: float = Field(default=50_000.0, gt=0)
    time_zone: str = "Asia/Hong_Kong"
    verification_period_days: int = Field(
        default=182, gt=0, description="Days after its last confirmation that a listing is stale"
    )
    verification_interval: float = Field(
        default=3600.0, gt=0, description="Seconds between sweeps for stale listings"
    )

    report_limit: int = Field(
        default=5, gt=0, description="Reports one client address may send per `report_window`"
    )
    report_window: float = Field(default=3600.0, gt=0, description="Seconds the limit counts over")
    report_salt: str = Field(
        default="", description="Key of the hash a client address is kept as (never the address)"
    )


def settings_of(service: Service) -> DirectorySettings:
    """The directory's settings of a running service."""
    settings = service.settings
    assert isinstance(settings, DirectorySettings)
    return settings
