"""Request and response shapes of webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints


class EndpointCreate(BaseModel):
    """A partner system to call."""

    model_config = ConfigDict(extra="forbid")

    # The column holds 500 characters: a longer URL is the caller's error, not a failed insert.
    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=500)]
    description: str | None = Field(
        default=None, max_length=200, description="What the endpoint is for, in your words"
    )
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
    description: str | None = Field(default=None, description="What the endpoint is for")
    kinds: list[str]
    enabled: bool
    created_at: datetime
    last_delivery_status: str | None = Field(
        default=None, description="The status of its newest delivery; none before the first"
    )
    secrets: list[SecretPublic]


class EndpointWithSecret(EndpointPublic):
    """An endpoint with the secret just made: shown in this response only."""

    secret: str = Field(description="whsec_…; store it now, it is never shown again")


class Endpoints(BaseModel):
    """The organisation's webhook endpoints."""

    items: list[EndpointPublic]


class EventTypes(BaseModel):
    """The types an endpoint may subscribe to."""

    items: list[str]


class WebhookDeliveryPublic(BaseModel):
    """One delivery to an endpoint: its type and fate, never the payload."""

    id: str
    event_type: str
    status: str = Field(description="queued, delivered, failed or not_sent")
    attempts: int
    last_attempt_at: datetime | None = Field(description="None before the first attempt")
    response_code: int | None = Field(
        description="The receiver's HTTP status when it refused (delivered means it answered 2xx)"
    )
    reason: str | None = Field(description="Why it failed or was not sent")
    created_at: datetime


class WebhookDeliveries(BaseModel):
    """A page of an endpoint's deliveries, newest first."""

    items: list[WebhookDeliveryPublic]
    next_after: str | None = Field(description="Pass as `after` for the next page; none at the end")
