"""The referral lifecycle: who may move a referral from which status to which (FHIR Task names)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from harbour_kit.contracts.vocabulary import (
    Action as Action,
)
from harbour_kit.contracts.vocabulary import (
    CancelReason,
    HoldReason,
    RejectReason,
)
from harbour_kit.contracts.vocabulary import (
    Status as Status,
)


class Actor(StrEnum):
    """The party asking for a transition."""

    REFERRER = "referrer"
    RECIPIENT = "recipient"
    SYSTEM = "system"
    NETWORK_ADMIN = "network-admin"


REJECT_REASONS: frozenset[str] = frozenset(RejectReason)
HOLD_REASONS: frozenset[str] = frozenset(HoldReason)
MAX_OUTCOME_CHARS = 2000

OPEN: frozenset[Status] = frozenset(
    {
        Status.DRAFT,
        Status.REQUESTED,
        Status.RECEIVED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.ON_HOLD,
    }
)
TERMINAL: frozenset[Status] = frozenset(Status) - OPEN
VISIBLE_TO_RECIPIENT: frozenset[Status] = OPEN - {Status.DRAFT}

RefusalCode = Literal["not-allowed", "wrong-actor", "missing-field", "invalid-field", "final-state"]


@dataclass(frozen=True, slots=True)
class Step:
    """The input of a transition besides the status, action and actor."""

    assignee: str | None = None
    reason: str | None = None
    hold_reason: str | None = None
    text: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The status a transition leads to and the business status that explains it."""

    status: Status
    business_status: str | None


class TransitionRefused(Exception):
    """A transition that the lifecycle does not permit, with a reason a user can act on."""

    def __init__(self, code: RefusalCode, detail: str, *, field: str | None = None) -> None:
        """Records the machine-readable code, the field at fault and the sentence for the user."""
        super().__init__(detail)
        self.code: RefusalCode = code
        self.field = field
        self.detail = detail


def _blank(value: str | None) -> bool:
    """Whether a text input is absent or only whitespace."""
    return value is None or not value.strip()


def _choices(values: frozenset[str]) -> str:
    """The allowed codes as a sorted, comma-separated list."""
    return ", ".join(sorted(values))


def _no_fields(step: Step) -> str | None:
    """Needs nothing; no business status."""
    return None


def _assignee(step: Step) -> str | None:
    """Needs a named worker to take the referral on."""
    if _blank(step.assignee):
        raise TransitionRefused(
            "missing-field", "Name the worker who will take this referral on.", field="assignee"
        )
    return None


def _reject(step: Step) -> str | None:
    """Needs a coded reason, plus an explanation for 'other'; the reason is the business status."""
    if _blank(step.reason):
        detail = f"Choose a reason for rejecting: {_choices(REJECT_REASONS)}."
        raise TransitionRefused("missing-field", detail, field="reason")
    if step.reason not in REJECT_REASONS:
        known = _choices(REJECT_REASONS)
        detail = f"'{step.reason}' is not a rejection reason; use one of {known}."
        raise TransitionRefused("invalid-field", detail, field="reason")
    if step.reason == "other" and _blank(step.text):
        detail = "Explain in a few words why the referral is rejected."
        raise TransitionRefused("missing-field", detail, field="text")
    return step.reason


def _hold(step: Step) -> str | None:
    """Needs a coded reason for the hold; the reason is the business status."""
    if _blank(step.hold_reason):
        detail = f"Choose why the referral is on hold: {_choices(HOLD_REASONS)}."
        raise TransitionRefused("missing-field", detail, field="hold_reason")
    if step.hold_reason not in HOLD_REASONS:
        known = _choices(HOLD_REASONS)
        detail = f"'{step.hold_reason}' is not a reason for a hold; use one of {known}."
        raise TransitionRefused("invalid-field", detail, field="hold_reason")
    return step.hold_reason


def _outcome(step: Step) -> str | None:
    """Needs a short account of how the referral ended."""
    outcome = step.outcome or ""
    if not outcome.strip():
        detail = "Describe the outcome of the referral before closing it."
        raise TransitionRefused("missing-field", detail, field="outcome")
    if len(outcome) > MAX_OUTCOME_CHARS:
        detail = (
            f"Shorten the outcome to {MAX_OUTCOME_CHARS} characters or fewer "
            f"(it has {len(outcome)})."
        )
        raise TransitionRefused("invalid-field", detail, field="outcome")
    return None


def _always(business_status: str) -> Callable[[Step], str | None]:
    """Needs nothing; always the given business status."""

    def fields(step: Step) -> str | None:
        return business_status

    return fields


@dataclass(frozen=True, slots=True)
class _Rule:
    """One action: from which statuses, by whom, to which status, with which field checks."""

    sources: frozenset[Status]
    target: Status
    actor: Actor
    phrase: str  # completes "A referral cannot ___."
    fields: Callable[[Step], str | None] = _no_fields


_RECEIVABLE = frozenset({Status.REQUESTED, Status.RECEIVED})
_UNDER_WAY = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD})

_RULES: dict[Action, _Rule] = {
    Action.SEND: _Rule(frozenset({Status.DRAFT}), Status.REQUESTED, Actor.REFERRER, "be sent"),
    Action.ACKNOWLEDGE: _Rule(
        frozenset({Status.REQUESTED}), Status.RECEIVED, Actor.RECIPIENT, "be acknowledged"
    ),
    Action.ACCEPT: _Rule(_RECEIVABLE, Status.ACCEPTED, Actor.RECIPIENT, "be accepted", _assignee),
    Action.REJECT: _Rule(_RECEIVABLE, Status.REJECTED, Actor.RECIPIENT, "be rejected", _reject),
    Action.START: _Rule(
        frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, Actor.RECIPIENT, "be started"
    ),
    Action.HOLD: _Rule(
        frozenset({Status.IN_PROGRESS}), Status.ON_HOLD, Actor.RECIPIENT, "be put on hold", _hold
    ),
    Action.RESUME: _Rule(
        frozenset({Status.ON_HOLD}), Status.IN_PROGRESS, Actor.RECIPIENT, "be resumed"
    ),
    Action.COMPLETE: _Rule(_UNDER_WAY, Status.COMPLETED, Actor.RECIPIENT, "be completed", _outcome),
    Action.FAIL: _Rule(_UNDER_WAY, Status.FAILED, Actor.RECIPIENT, "be marked failed", _outcome),
    Action.CANCEL: _Rule(OPEN, Status.CANCELLED, Actor.REFERRER, "be cancelled"),
    Action.EXPIRE: _Rule(
        OPEN, Status.CANCELLED, Actor.SYSTEM, "be expired", _always(CancelReason.EXPIRED.value)
    ),
    Action.WITHDRAW_CONSENT: _Rule(
        OPEN,
        Status.CANCELLED,
        Actor.SYSTEM,
        "be cancelled for withdrawn consent",
        _always(CancelReason.CONSENT_WITHDRAWN.value),
    ),
    Action.ENTER_IN_ERROR: _Rule(
        frozenset(Status) - {Status.ENTERED_IN_ERROR},
        Status.ENTERED_IN_ERROR,
        Actor.NETWORK_ADMIN,
        "be marked as entered in error",
    ),
}

_STATUS_WORDS = {Status.DRAFT: "still a draft"}
_ACTOR_WORDS = {
    Actor.REFERRER: "the referring organisation",
    Actor.RECIPIENT: "the receiving organisation",
    Actor.SYSTEM: "Harbour itself",
    Actor.NETWORK_ADMIN: "a network administrator",
}


def apply(status: Status, action: Action, actor: Actor, step: Step = Step()) -> Outcome:
    """The status a referral moves to, or TransitionRefused saying why it cannot."""
    rule = _RULES[action]
    if status not in rule.sources:
        words = _STATUS_WORDS.get(status, status.replace("-", " "))
        detail = f"A referral that is {words} cannot {rule.phrase}."
        raise TransitionRefused("final-state" if status in TERMINAL else "not-allowed", detail)
    if actor != rule.actor:
        detail = f"A referral can {rule.phrase} only by {_ACTOR_WORDS[rule.actor]}."
        raise TransitionRefused("wrong-actor", detail)
    return Outcome(rule.target, rule.fields(step))


def allowed_actions(status: Status, actor: Actor) -> list[Action]:
    """The actions this actor may take on a referral in this status, in declaration order."""
    return [a for a in Action if status in _RULES[a].sources and _RULES[a].actor == actor]
