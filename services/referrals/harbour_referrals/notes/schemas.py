"""Request and response shapes of notes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harbour_referrals.schemas import Timestamp


class NoteIn(BaseModel):
    """A message on a referral."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=4000)


class NoteAdded(BaseModel):
    """A message was added."""

    id: str
    created_at: Timestamp


class NotePublic(BaseModel):
    """A message as either organisation reads it."""

    id: str
    author: str
    author_organization_id: str | None
    body: str | None = Field(description="None once purged under the retention policy")
    created_at: Timestamp


class Notes(BaseModel):
    """A referral's messages, oldest first."""

    items: list[NotePublic]
