"""Response shapes of the inbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class InboxItemPublic(BaseModel):
    """An inbox item as its reader sees it, the title in the reader's locale."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str
    reference: str
    link: str
    created_at: datetime
    read_at: datetime | None
    seen_at: datetime | None
    archived_at: datetime | None


class Inbox(BaseModel):
    """A page of the caller's inbox."""

    unread_count: int
    items: list[InboxItemPublic]


class Marked(BaseModel):
    """How many items a change marked."""

    marked: int
