"""Request and response shapes of webhook endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field


class EndpointCreate(BaseModel):
    """A partner system to call."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    kinds: list[str] = Field(default_factory=list, description="Types to send; empty: all")


class SecretPublic(BaseModel):
    """A signing secret as the API shows it: its id and dates, never the secret."""

    id: str
    created_at: datetime
    expires_at: datetime | None = Field(description="When it stops signing, after a rotation")


class EndpointPublic(BaseModel):
    """A webhook endpoint of the caller's organisation."""

    id: str
    organization_id: str
    url: str
    kinds: list[str]
    enabled: bool
    secrets: list[SecretPublic]


class EndpointWithSecret(EndpointPublic):
    """An endpoint with the secret just made: shown in this response only."""

    secret: str = Field(description="whsec_…; store it now, it is never shown again")


class Endpoints(BaseModel):
    """The organisation's webhook endpoints."""

    items: list[EndpointPublic]
