"""Events the referrals service publishes: ids, codes and states only, never claimant data."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from harbour_kit.contracts.vocabulary import (
    BusinessStatus,
    DeadlineStep,
    LinkKind,
    Purpose,
    RecordedAction,
    Status,
    Urgency,
)
from harbour_kit.events.envelope import EventContract


class ReferralTransitioned(EventContract):
    """A referral was created or changed state."""

    event_type: ClassVar[str] = "harbour.referrals.referral.transitioned.v1"

    referral_id: str
    reference: str = Field(description="Short reference people quote, e.g. R-8F3K2Q")
    action: RecordedAction = Field(description="create, or the lifecycle action taken")
    status: Status = Field(description="FHIR Task status after the transition")
    business_status: BusinessStatus | None = Field(
        default=None, description="Coded reason or sub-state"
    )
    previous_status: Status | None = None
    version: int = Field(ge=1)
    urgency: Urgency
    purpose: Purpose
    service_id: str
    referrer_organization_id: str
    recipient_organization_id: str
    assignee: str | None = Field(default=None, description="Subject id of the assigned worker")
    replaces_id: str | None = None
    link_kind: LinkKind | None = None
    occurred_at: datetime


class ConsentWithdrawn(EventContract):
    """A claimant withdrew a consent; the referrals it covered are cancelled."""

    event_type: ClassVar[str] = "harbour.referrals.consent.withdrawn.v1"

    consent_id: str
    organization_id: str
    cancelled_referral_ids: list[str]
    occurred_at: datetime


class ReferralDeadlineApproaching(EventContract):
    """A sent referral's next deadline is near and the receiving organisation has not acted."""

    event_type: ClassVar[str] = "harbour.referrals.referral.deadline.v1"

    referral_id: str
    reference: str = Field(description="Short reference people quote, e.g. R-8F3K2Q")
    service_id: str
    recipient_organization_id: str
    step: DeadlineStep = Field(description="What is due")
    due_at: datetime
    occurred_at: datetime
