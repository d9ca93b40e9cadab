"""Response shapes of the delivery log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeliveryPublic(BaseModel):
    """One delivery as the API shows it: its channel and fate, never an address."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    notification_id: str
    channel: str = Field(description="email, sms or webhook")
    status: str = Field(description="queued, digest, sent, delivered, failed, bounced or not_sent")
    reason: str | None
    attempts: int
    provider: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Deliveries(BaseModel):
    """Deliveries, newest first."""

    items: list[DeliveryPublic]
