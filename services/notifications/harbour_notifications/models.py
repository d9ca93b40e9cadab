"""Notifications tables."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from harbour_kit.events.tables import event_tables


class NotificationsModel(SQLModel, registry=registry()):
    """Base of the notifications service's tables."""


class InboxItem(NotificationsModel, table=True):
    """One in-app notification for the holders of a role in an organisation; no personal data."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint(
            "event_id", "organization_id", "audience_role", "kind", name="uq_inbox_item_event"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    audience_role: str = Field(max_length=40)
    kind: str = Field(max_length=60)
    title: str = Field(max_length=200)  # in English; readers get it in their locale from `facts`
    reference: str = Field(max_length=60)
    # The public facts the title is worded from (service name, status code, deadline…).
    facts: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    link: str = Field(max_length=300)
    event_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    read_at: datetime | None = None
    seen_at: datetime | None = None
    archived_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


class Recipient(NotificationsModel, table=True):
    """A staff member who can be told things: from token claims and `PUT /me`."""

    __tablename__ = "recipient"

    sub: str = Field(primary_key=True, max_length=200)
    organization_id: str | None = Field(default=None, index=True, max_length=36)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    locale: str = Field(default="en", max_length=20)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    quiet_start: str | None = Field(default=None, max_length=5)  # "22:00", Hong Kong time
    quiet_end: str | None = Field(default=None, max_length=5)
    digest_minutes: int | None = Field(default=None)  # new referrals by e-mail every N minutes
    updated_at: datetime = Field(default_factory=_now)


class Preference(NotificationsModel, table=True):
    """A recipient's choice for one notification type on one channel."""

    __tablename__ = "preference"

    sub: str = Field(primary_key=True, max_length=200)
    kind: str = Field(primary_key=True, max_length=60)
    channel: str = Field(primary_key=True, max_length=20)
    enabled: bool


class Notification(NotificationsModel, table=True):
    """One message for one recipient about one event: never two for the same pair and type."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("event_id", "recipient", "kind", name="uq_notification"),)

    id: str = Field(primary_key=True, max_length=36)
    event_id: str = Field(max_length=64)
    recipient: str = Field(max_length=200)  # a subject, or `webhook:<endpoint id>`
    organization_id: str | None = Field(default=None, index=True, max_length=36)
    kind: str = Field(max_length=60)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=_now)


class Delivery(NotificationsModel, table=True):
    """One attempt-tracked delivery of a notification on one channel."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=36)
    notification_id: str = Field(index=True, max_length=36)
    organization_id: str | None = Field(default=None, index=True, max_length=36)
    channel: str = Field(max_length=20)  # email | sms | webhook
    status: str = Field(max_length=20)  # queued | sent | delivered | failed | bounced | not_sent
    reason: str | None = Field(default=None, max_length=200)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default_factory=_now)
    provider: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class Listing(NotificationsModel, table=True):
    """A directory service's and its provider's public names, kept from `directory.*` events
    for message text."""

    __tablename__ = "listing"

    service_id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(max_length=36, index=True)
    name: str = Field(max_length=200)
    organization_name: str | None = Field(default=None, max_length=300)
    version: int


class WebhookEndpoint(NotificationsModel, table=True):
    """A partner system that receives signed webhooks for its organisation."""

    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    url: str = Field(max_length=500)
    # What the endpoint is for, in the admin's words ("Case system, legal team"); optional.
    description: str | None = Field(default=None, max_length=200)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # `{id, secret_enc, created_at, expires_at}`, the secret encrypted (`webhooks/secrets.py`)
    secrets: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    enabled: bool = Field(default=True)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)


metadata = NotificationsModel.metadata
tables = event_tables(metadata)
