"""Web app settings (`WEB_*`, plus the shared `HARBOUR_*`)."""

from pydantic_settings import SettingsConfigDict

from harbour_kit.settings import ServiceSettings


class WebSettings(ServiceSettings):
    """How the web app runs and where the gateway is."""

    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", populate_by_name=True)

    service_name: str = "web"
    port: int = 8004
    gateway_url: str = "http://127.0.0.1:8000/graphql"
    gateway_timeout: float = 10.0
    results: int = 20  # results on the claimant's first page; more come a page at a time
