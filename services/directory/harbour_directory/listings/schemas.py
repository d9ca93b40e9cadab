"""Response shapes of directory changes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from harbour_directory.schemas import Instant


class KeptAsSent(BaseModel):
    """Fields of one record that Harbour does not model, stored and exported as they were sent."""

    object: str = Field(description="The HSDS table, such as `service`")
    id: str
    fields: list[str]


class ImportSummary(BaseModel):
    """What an import changed."""

    services: int = Field(description="Services written")
    organizations: int
    locations: int
    warnings: list[str] = Field(description="What was imported but cannot be shown in full")
    kept: list[KeptAsSent] = Field(
        default_factory=list, description="Fields kept as sent, by record"
    )


class IntakePublic(BaseModel):
    """A service's intake capacity after a change."""

    service_id: str
    accepting_referrals: bool | None
    waitlist_weeks: int | None
    waitlist_length: int | None
    updated_at: Instant | None
    version: int
