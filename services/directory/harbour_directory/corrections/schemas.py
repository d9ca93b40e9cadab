"""Request and response shapes of listing reports and the moderation queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from harbour_directory.hsds.schemas import Page
from harbour_kit.contracts.vocabulary import ReportKind

TEXT_LIMIT = 500
ReportStatus = Literal["open", "resolved", "dismissed"]


class ReportCreate(BaseModel):
    """What someone says is wrong with a listing; no account, no contact details."""

    kind: ReportKind
    text: str = Field(
        default="",
        max_length=TEXT_LIMIT,
        description="What is wrong, in a few words (no phone numbers or e-mail addresses)",
    )
    website: str = Field(default="", description="Leave empty (a field only robots fill in)")


class ReportReceipt(BaseModel):
    """The report was received."""

    id: str
    status: Literal["received"] = "received"


class ReportPublic(BaseModel):
    """A report in the moderation queue."""

    id: str
    service_id: str
    organization_id: str
    service_name: str
    kind: ReportKind
    text: str
    status: ReportStatus
    created_at: datetime
    closed_at: datetime | None
    note: str | None


class ReportClose(BaseModel):
    """How a report was dealt with."""

    note: str = Field(default="", max_length=TEXT_LIMIT)


class ReportPage(Page):
    """A page of reports, oldest first."""

    contents: list[ReportPublic]
