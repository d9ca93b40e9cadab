"""Directory settings (`DIRECTORY_*`, plus the shared `HARBOUR_*`)."""

from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class DirectorySettings(ServiceSettings):
    """How the directory runs."""

    model_config = SettingsConfigDict(
        env_prefix="DIRECTORY_", extra="ignore", populate_by_name=True
    )

    service_name: str = "directory"
    port: int = 8001
