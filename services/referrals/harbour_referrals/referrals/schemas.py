"""Request and response shapes of the referrals API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harbour_kit.contracts.vocabulary import (
    BusinessStatus,
    LinkKind,
    Purpose,
    RecordedAction,
    Urgency,
)
from harbour_referrals.consents.schemas import DataCategory, SafeContact
from harbour_referrals.lifecycle import Action, Actor, Status
from harbour_referrals.schemas import Timestamp

VulnerabilityFlag = Literal[
    "torture-survivor",
    "gender-based-violence",
    "unaccompanied-minor",
    "disability",
    "serious-medical-condition",
    "suicide-risk",
    "pregnant",
    "elderly",
    "lgbtiq",
    "trafficking-survivor",
]


DEFAULT_SHARE: tuple[DataCategory, ...] = ("identity", "contact", "languages", "needs")


class ReferralIn(BaseModel):
    """A new referral: to one service, with candidates to try next."""

    model_config = ConfigDict(extra="forbid")

    claimant_id: str
    service_id: str
    purpose: Purpose
    urgency: Urgency = "routine"
    share: list[DataCategory] = Field(
        default_factory=lambda: list(DEFAULT_SHARE),
        description="Data categories to share; the consent must cover all of them",
    )
    needs_summary: str = Field(default="", max_length=2000)
    vulnerability_flags: list[VulnerabilityFlag] = Field(default_factory=list)
    candidates: list[str] = Field(
        default_factory=list, max_length=10, description="Services to try next, in order"
    )
    recipient_worker: str | None = Field(default=None, max_length=200)
    send: bool = Field(default=False, description="Send at once (needs a covering consent)")


class TransitionIn(BaseModel):
    """The input of one lifecycle action."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=40)
    hold_reason: str | None = Field(default=None, max_length=40)
    text: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=4000)


class ForwardIn(BaseModel):
    """Where the receiving organisation passes the claimant on to."""

    model_config = ConfigDict(extra="forbid")

    service_id: str


class RerouteIn(BaseModel):
    """A new referral after a decline or expiry: to a service, or to the next candidate."""

    model_config = ConfigDict(extra="forbid")

    service_id: str | None = None


class ReferralPublic(BaseModel):
    """A referral without claimant details, with what this caller may do next."""

    id: str
    reference: str = Field(description="What people quote, e.g. R-8F3K2Q")
    version: int = Field(description="Send it back in If-Match to change the referral")
    status: Status
    business_status: BusinessStatus | None = Field(description="Coded reason or sub-state")
    purpose: Purpose
    urgency: Urgency
    service_id: str
    referrer_organization_id: str
    recipient_organization_id: str
    recipient_worker: str | None
    assignee: str | None
    candidates: list[str] = Field(description="Services to try next, in order")
    replaces_id: str | None
    link_kind: LinkKind | None
    consent_id: str | None
    created_at: Timestamp
    updated_at: Timestamp
    sent_at: Timestamp | None
    acknowledge_by: Timestamp | None
    decide_by: Timestamp | None
    closed_at: Timestamp | None
    outcome: str | None = Field(description="How it ended; only the two organisations see it")
    side: Actor | None = Field(description="The caller's side of the referral, if any")
    allowed_actions: list[Action] = Field(description="What the caller may do next")


class ReferralListItem(ReferralPublic):
    """A referral in a list, with the cursor that pages on after it."""

    cursor: str


class ReferralPage(BaseModel):
    """One page of a list, newest first."""

    items: list[ReferralListItem]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page")


class HistoryEntry(BaseModel):
    """One change of a referral (no personal data)."""

    version: int
    action: RecordedAction
    from_status: Status | None = Field(alias="from")
    to_status: Status = Field(alias="to")
    business_status: BusinessStatus | None
    actor: str
    actor_organization_id: str | None
    at: Timestamp


class ReferralDetail(ReferralPublic):
    """A referral with every change so far."""

    history: list[HistoryEntry]


class SharedDetails(BaseModel):
    """What sending fixed for the recipient: only the fields of the consented categories."""

    categories: list[DataCategory]
    name: str | None = None
    alias: str | None = None
    phone: str | None = None
    email: str | None = None
    safe_contact: SafeContact | None = None
    languages: list[str] | None = None
    interpreter_needed: bool | None = None
    needs_summary: str | None = None
    urgency: Urgency | None = None
    vulnerability_flags: list[VulnerabilityFlag] | None = None


class SharedClaimant(BaseModel):
    """What was shared about the claimant (None before the referral is sent)."""

    referral_id: str
    shared: SharedDetails | None
