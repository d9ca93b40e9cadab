"""Events the directory publishes about listings (public facts only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from harbour_kit.contracts.vocabulary import ReportKind
from harbour_kit.events.envelope import EventContract

ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]


class ServiceUpserted(EventContract):
    """A service was listed or changed."""

    event_type: ClassVar[str] = "harbour.directory.service.upserted.v1"

    service_id: str = Field(description="HSDS service id")
    organization_id: str = Field(description="HSDS organization id of the provider")
    name: str = Field(description="Public name of the service")
    status: ServiceStatus
    accepting_referrals: bool
    version: int = Field(ge=1, description="Listing version; consumers keep the highest")


class ServiceUpsertedV2(EventContract):
    """A service was listed or changed, with its provider's public name.

    Published beside v1 (same facts, same moment) until no consumer reads v1.
    """

    event_type: ClassVar[str] = "harbour.directory.service.upserted.v2"

    service_id: str = Field(description="HSDS service id")
    organization_id: str = Field(description="HSDS organization id of the provider")
    organization_name: str = Field(description="Public name of the provider")
    name: str = Field(description="Public name of the service")
    status: ServiceStatus
    accepting_referrals: bool
    version: int = Field(ge=1, description="Listing version; consumers keep the highest")


class ServiceRemoved(EventContract):
    """A service was taken out of the directory."""

    event_type: ClassVar[str] = "harbour.directory.service.removed.v1"

    service_id: str
    organization_id: str
    version: int = Field(ge=1)


class ServiceCapacityChanged(EventContract):
    """A service opened or closed its intake, or its waiting list changed."""

    event_type: ClassVar[str] = "harbour.directory.service.capacity-changed.v1"

    service_id: str
    organization_id: str
    accepting_referrals: bool
    waitlist_weeks: int | None = Field(default=None, ge=0)
    waitlist_length: int | None = Field(default=None, ge=0)
    version: int = Field(ge=1)


class ListingVerificationDue(EventContract):
    """A listing has not been confirmed within the verification period (one per stale period)."""

    event_type: ClassVar[str] = "harbour.directory.listing.verification.due.v1"

    service_id: str = Field(description="HSDS service id")
    organization_id: str = Field(description="HSDS organization id of the provider")
    name: str = Field(description="Public name of the service")
    assured_date: date | None = Field(description="When it was last confirmed; null if never")
    occurred_at: datetime


class ListingReportReceived(EventContract):
    """Someone reported that a listing is wrong (the kind only: the report's text stays put)."""

    event_type: ClassVar[str] = "harbour.directory.listing.report.received.v1"

    report_id: str = Field(description="The report in the directory's moderation queue")
    service_id: str = Field(description="HSDS service id")
    organization_id: str = Field(description="HSDS organization id of the provider")
    name: str = Field(description="Public name of the service")
    kind: ReportKind
    occurred_at: datetime
