"""Notifications tables."""

from datetime import UTC, datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from harbour_kit.events.tables import event_tables


class NotificationsModel(SQLModel, registry=registry()):
    """Base of the notifications service's tables."""


class InboxItem(NotificationsModel, table=True):
    """One in-app notification for the holders of a role in an organisation; no personal data."""

    __tablename__ = "inbox_item"
    __table_args__ = (
        UniqueConstraint("event_id", "organization_id", "kind", name="uq_inbox_item_event"),
    )

    id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    audience_role: str = Field(max_length=40)
    kind: str = Field(max_length=60)
    title: str = Field(max_length=200)
    reference: str = Field(max_length=60)
    link: str = Field(max_length=300)
    event_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    read_at: datetime | None = None


metadata = NotificationsModel.metadata
tables = event_tables(metadata)
