"""The closed sets of codes events carry, shared by the services that write them and the gateway.

Each value here has been on the wire since its contract's first version: a new value is a new
contract version (see CONTRIBUTING.md, "Event contracts").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, TypeAlias


class Status(StrEnum):
    """Where a referral stands, named as FHIR Task statuses."""

    DRAFT = "draft"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class Action(StrEnum):
    """What an actor does to a referral: the lifecycle's transitions."""

    SEND = "send"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    REJECT = "reject"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    COMPLETE = "complete"
    FAIL = "fail"
    CANCEL = "cancel"
    EXPIRE = "expire"
    WITHDRAW_CONSENT = "withdraw-consent"
    ENTER_IN_ERROR = "enter-in-error"


# What a transition event records: a lifecycle action, or the referral's creation.
RecordedAction: TypeAlias = Action | Literal["create"]


class RejectReason(StrEnum):
    """Why a partner declines a referral."""

    NO_CAPACITY = "no-capacity"
    INELIGIBLE = "ineligible"
    OUT_OF_SCOPE = "out-of-scope"
    UNREACHABLE = "unreachable"
    DUPLICATE = "duplicate"
    OTHER = "other"


class HoldReason(StrEnum):
    """Why a referral is on hold."""

    AWAITING_INFORMATION = "awaiting-information"
    WAITLISTED = "waitlisted"
    CLIENT_UNREACHABLE = "client-unreachable"


class CancelReason(StrEnum):
    """Why Harbour itself cancelled a referral."""

    EXPIRED = "expired"
    CONSENT_WITHDRAWN = "consent-withdrawn"


# The coded reason a referral's status carries, if any.
BusinessStatus: TypeAlias = RejectReason | HoldReason | CancelReason

Urgency = Literal["urgent", "soon", "routine"]
Purpose = Literal[
    "legal",
    "medical",
    "housing",
    "speech-therapy",
    "mental-health",
    "social-welfare",
    "interpretation",
    "food",
    "education",
    "employment",
    "children-family",
]
# How a referral relates to the one it replaces.
LinkKind = Literal["re-route", "forward"]
# What is due by a referral's next deadline.
DeadlineStep = Literal["acknowledge", "decide"]

NotificationKind = Literal[
    "referral.received",
    "referral.forwarded",
    "referral.acknowledged",
    "referral.accepted",
    "referral.rejected",
    "referral.completed",
    "referral.failed",
    "referral.expired",
    "referral.cancelled",
    "referral.deadline",
    "listing.published",
    "listing.updated",
    "listing.capacity",
    "webhook.test",
]
# What an inbox item is about: every notification kind, and notices only the inbox tells (since
# inbox.changed.v2, as v1 carries NotificationKind as it was).
InboxKind: TypeAlias = NotificationKind | Literal["listing.verification"]


class ReportKind(StrEnum):
    """What is wrong with a listing, as the public reports it."""

    MOVED = "moved"
    CLOSED = "closed"
    PHONE_WRONG = "phone-wrong"
    HOURS_WRONG = "hours-wrong"
    OTHER = "other"


# Every inbox kind since inbox.changed.v3, which adds the public's reports on a listing.
InboxKindV3: TypeAlias = InboxKind | Literal["listing.report"]
# The channels a delivery goes out on (the inbox is not a delivery).
DeliveryChannel = Literal["email", "sms", "webhook"]
