"""The referral lifecycle, checked against a table written out independently from the rules."""

from __future__ import annotations

import itertools

import pytest

from harbour_referrals.lifecycle import (
    HOLD_REASONS,
    OPEN,
    REJECT_REASONS,
    TERMINAL,
    VISIBLE_TO_RECIPIENT,
    Action,
    Actor,
    Outcome,
    Status,
    Step,
    TransitionRefused,
    allowed_actions,
    apply,
)

# Every permitted (from, action, actor) with where it leads and its business status, given VALID.
ALLOWED: list[tuple[str, str, str, str, str | None]] = [
    ("draft", "send", "referrer", "requested", None),
    ("requested", "acknowledge", "recipient", "received", None),
    ("requested", "accept", "recipient", "accepted", None),
    ("received", "accept", "recipient", "accepted", None),
    ("requested", "reject", "recipient", "rejected", "no-capacity"),
    ("received", "reject", "recipient", "rejected", "no-capacity"),
    ("accepted", "start", "recipient", "in-progress", None),
    ("in-progress", "hold", "recipient", "on-hold", "waitlisted"),
    ("on-hold", "resume", "recipient", "in-progress", None),
    ("accepted", "complete", "recipient", "completed", None),
    ("in-progress", "complete", "recipient", "completed", None),
    ("on-hold", "complete", "recipient", "completed", None),
    ("accepted", "fail", "recipient", "failed", None),
    ("in-progress", "fail", "recipient", "failed", None),
    ("on-hold", "fail", "recipient", "failed", None),
    ("draft", "cancel", "referrer", "cancelled", None),
    ("requested", "cancel", "referrer", "cancelled", None),
    ("received", "cancel", "referrer", "cancelled", None),
    ("accepted", "cancel", "referrer", "cancelled", None),
    ("in-progress", "cancel", "referrer", "cancelled", None),
    ("on-hold", "cancel", "referrer", "cancelled", None),
    ("draft", "expire", "system", "cancelled", "expired"),
    ("requested", "expire", "system", "cancelled", "expired"),
    ("received", "expire", "system", "cancelled", "expired"),
    ("accepted", "expire", "system", "cancelled", "expired"),
    ("in-progress", "expire", "system", "cancelled", "expired"),
    ("on-hold", "expire", "system", "cancelled", "expired"),
    ("draft", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("requested", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("received", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("accepted", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("in-progress", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("on-hold", "withdraw-consent", "system", "cancelled", "consent-withdrawn"),
    ("draft", "enter-in-error", "network-admin", "entered-in-error", None),
    ("requested", "enter-in-error", "network-admin", "entered-in-error", None),
    ("received", "enter-in-error", "network-admin", "entered-in-error", None),
    ("accepted", "enter-in-error", "network-admin", "entered-in-error", None),
    ("rejected", "enter-in-error", "network-admin", "entered-in-error", None),
    ("in-progress", "enter-in-error", "network-admin", "entered-in-error", None),
    ("on-hold", "enter-in-error", "network-admin", "entered-in-error", None),
    ("completed", "enter-in-error", "network-admin", "entered-in-error", None),
    ("failed", "enter-in-error", "network-admin", "entered-in-error", None),
    ("cancelled", "enter-in-error", "network-admin", "entered-in-error", None),
]
EXPECTED = {(s, a, who): (to, bs) for s, a, who, to, bs in ALLOWED}
FINAL = {"rejected", "completed", "failed", "cancelled", "entered-in-error"}

# A step that satisfies every action's field checks at once.
VALID = Step(
    assignee="worker-17",
    reason="no-capacity",
    hold_reason="waitlisted",
    text="Client moved to Kowloon.",
    outcome="Housing secured.",
)
MATRIX = list(itertools.product(Status, Action, Actor))


def expected_refusal(status: str, action: str, actor: str) -> str:
    """The refusal code the rules call for when (status, action, actor) is not permitted."""
    if any((status, action, who) in EXPECTED for who in Actor):
        return "wrong-actor"
    return "final-state" if status in FINAL else "not-allowed"


def refusal(status: Status, action: Action, actor: Actor, step: Step = VALID) -> TransitionRefused:
    """The refusal apply raises; fails the test if it does not raise."""
    with pytest.raises(TransitionRefused) as caught:
        apply(status, action, actor, step)
    return caught.value


def test_the_literal_table_has_no_duplicates() -> None:
    assert len(EXPECTED) == len(ALLOWED) == 43


@pytest.mark.parametrize(("status", "action", "actor"), MATRIX, ids=str)
def test_every_transition_follows_the_rules(status: Status, action: Action, actor: Actor) -> None:
    if (status, action, actor) in EXPECTED:
        to, business_status = EXPECTED[status, action, actor]
        assert apply(status, action, actor, VALID) == Outcome(Status(to), business_status)
        return
    code = expected_refusal(status, action, actor)
    for step in (VALID, Step()):  # structural refusals come before any field check
        refused = refusal(status, action, actor, step)
        assert (refused.code, refused.field) == (code, None)
        assert refused.detail.startswith("A referral ") and refused.detail.endswith(".")


@pytest.mark.parametrize(("status", "actor"), list(itertools.product(Status, Actor)), ids=str)
def test_allowed_actions_agree_with_apply(status: Status, actor: Actor) -> None:
    permitted = []
    for action in Action:
        try:
            apply(status, action, actor, VALID)
        except TransitionRefused:
            continue
        permitted.append(action)
    assert allowed_actions(status, actor) == permitted
    assert permitted == [a for a in Action if (status, a, actor) in EXPECTED]


@pytest.mark.parametrize(
    ("status", "action", "step", "field"),
    [
        ("requested", "accept", Step(), "assignee"),
        ("received", "accept", Step(assignee=""), "assignee"),
        ("received", "accept", Step(assignee="   "), "assignee"),
        ("requested", "reject", Step(), "reason"),
        ("received", "reject", Step(reason=""), "reason"),
        ("requested", "reject", Step(reason="other"), "text"),
        ("received", "reject", Step(reason="other", text="  "), "text"),
        ("in-progress", "hold", Step(), "hold_reason"),
        ("in-progress", "hold", Step(hold_reason=""), "hold_reason"),
        ("accepted", "complete", Step(), "outcome"),
        ("on-hold", "complete", Step(outcome=""), "outcome"),
        ("in-progress", "fail", Step(), "outcome"),
        ("accepted", "fail", Step(outcome=" \n"), "outcome"),
    ],
)
def test_a_missing_field_is_named(status: str, action: str, step: Step, field: str) -> None:
    refused = refusal(Status(status), Action(action), Actor.RECIPIENT, step)
    assert (refused.code, refused.field) == ("missing-field", field)


@pytest.mark.parametrize(
    ("status", "action", "step", "field"),
    [
        ("requested", "reject", Step(reason="busy"), "reason"),
        ("received", "reject", Step(reason="waitlisted"), "reason"),
        ("requested", "reject", Step(reason="No-Capacity"), "reason"),
        ("in-progress", "hold", Step(hold_reason="no-capacity"), "hold_reason"),
        ("in-progress", "hold", Step(hold_reason="expired"), "hold_reason"),
        ("accepted", "complete", Step(outcome="x" * 2001), "outcome"),
        ("on-hold", "fail", Step(outcome="x" * 2001), "outcome"),
    ],
)
def test_an_invalid_field_is_named(status: str, action: str, step: Step, field: str) -> None:
    refused = refusal(Status(status), Action(action), Actor.RECIPIENT, step)
    assert (refused.code, refused.field) == ("invalid-field", field)


@pytest.mark.parametrize("action", [Action.COMPLETE, Action.FAIL])
def test_an_outcome_of_exactly_2000_characters_is_accepted(action: Action) -> None:
    result = apply(Status.IN_PROGRESS, action, Actor.RECIPIENT, Step(outcome="x" * 2000))
    assert result.business_status is None


@pytest.mark.parametrize(
    "reason", ["no-capacity", "ineligible", "out-of-scope", "unreachable", "duplicate"]
)
def test_a_rejection_carries_its_reason(reason: str) -> None:
    result = apply(Status.RECEIVED, Action.REJECT, Actor.RECIPIENT, Step(reason=reason))
    assert result == Outcome(Status.REJECTED, reason)


def test_a_rejection_for_other_reasons_needs_and_keeps_its_text() -> None:
    step = Step(reason="other", text="Client asked for a female caseworker only.")
    assert apply(Status.REQUESTED, Action.REJECT, Actor.RECIPIENT, step) == Outcome(
        Status.REJECTED, "other"
    )


@pytest.mark.parametrize("reason", ["awaiting-information", "waitlisted", "client-unreachable"])
def test_a_hold_carries_its_reason(reason: str) -> None:
    result = apply(Status.IN_PROGRESS, Action.HOLD, Actor.RECIPIENT, Step(hold_reason=reason))
    assert result == Outcome(Status.ON_HOLD, reason)


@pytest.mark.parametrize("status", sorted(s for s in Status if s not in FINAL))
@pytest.mark.parametrize(
    ("action", "business_status"),
    [("expire", "expired"), ("withdraw-consent", "consent-withdrawn")],
)
def test_system_cancellations_say_why(status: str, action: str, business_status: str) -> None:
    result = apply(Status(status), Action(action), Actor.SYSTEM)
    assert result == Outcome(Status.CANCELLED, business_status)


@pytest.mark.parametrize("step", [Step(), Step(text="Client found help elsewhere.")])
def test_a_referrer_cancels_with_or_without_a_note(step: Step) -> None:
    result = apply(Status.ACCEPTED, Action.CANCEL, Actor.REFERRER, step)
    assert result == Outcome(Status.CANCELLED, None)


def test_refusals_explain_themselves() -> None:
    final = refusal(Status.COMPLETED, Action.ACCEPT, Actor.RECIPIENT)
    assert final.detail == "A referral that is completed cannot be accepted."
    assert str(final) == final.detail
    wrong = refusal(Status.REQUESTED, Action.ACCEPT, Actor.REFERRER)
    assert wrong.detail == "A referral can be accepted only by the receiving organisation."
    missing = refusal(Status.REQUESTED, Action.REJECT, Actor.RECIPIENT, Step())
    assert "no-capacity" in missing.detail


def test_an_entry_in_error_is_final_even_for_an_admin() -> None:
    refused = refusal(Status.ENTERED_IN_ERROR, Action.ENTER_IN_ERROR, Actor.NETWORK_ADMIN)
    assert refused.code == "final-state"
    assert allowed_actions(Status.ENTERED_IN_ERROR, Actor.NETWORK_ADMIN) == []


def test_the_reason_codes() -> None:
    assert {
        "no-capacity",
        "ineligible",
        "out-of-scope",
        "unreachable",
        "duplicate",
        "other",
    } == REJECT_REASONS
    assert {"awaiting-information", "waitlisted", "client-unreachable"} == HOLD_REASONS


def test_the_status_groups() -> None:
    assert {"draft", "requested", "received", "accepted", "in-progress", "on-hold"} == OPEN
    assert FINAL == TERMINAL
    assert {"requested", "received", "accepted", "in-progress", "on-hold"} == VISIBLE_TO_RECIPIENT
    assert set(Status) == OPEN | TERMINAL
    assert not OPEN & TERMINAL


def test_a_draft_is_not_visible_to_the_recipient() -> None:
    assert Status.DRAFT in OPEN
    assert Status.DRAFT not in VISIBLE_TO_RECIPIENT
