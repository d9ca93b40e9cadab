"""Response shapes of listing verification."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from harbour_directory.hsds.schemas import Page


class Verification(BaseModel):
    """How fresh one listing is."""

    service_id: str
    organization_id: str
    name: str
    assured_date: date | None = Field(description="When it was last confirmed; null if never")
    assurer_email: str | None = Field(description="Staff contact who confirmed it, if known")
    stale: bool = Field(description="Not confirmed within the verification period")
    due_on: date | None = Field(description="The last day it counts as fresh; null if never")


class OrganizationRef(BaseModel):
    """The organisation a listing belongs to."""

    id: str
    name: str


class StaleListing(BaseModel):
    """A listing that needs confirming."""

    service_id: str
    name: str
    organization: OrganizationRef
    assured_date: date | None = Field(description="Null if it was never confirmed")


class FreshnessCounts(BaseModel):
    """How many listings are fresh, stale, or were never confirmed."""

    fresh: int
    stale: int = Field(description="Confirmed once, but not within the period")
    never_confirmed: int


class FreshnessReport(Page):
    """Freshness counts across the network, and a page of the listings that need confirming.

    Listings are ordered by organisation, then oldest confirmation first.
    """

    period_days: int
    counts: FreshnessCounts
    contents: list[StaleListing]
