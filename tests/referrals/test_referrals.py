"""Referrals over HTTP: every transition by the right side, refusals, access, concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from harbour_referrals import lifecycle
from harbour_referrals.lifecycle import Action, Actor, Status, Step
from tests.referrals.conftest import CLOSED, LEGAL_TOO, NEEDS, OTHER_ORG, PARTNER_ORG, World

VALID = {
    "accept": {"assignee": "partner-1"},
    "reject": {"reason": "no-capacity"},
    "hold": {"hold_reason": "waitlisted"},
    "complete": {"outcome": "Advice given; claim lodged."},
    "fail": {"outcome": "Could not reach the client."},
}
# How to bring a sent referral to each open state, by the recipient.
PATHS = {
    Status.REQUESTED: [],
    Status.RECEIVED: ["acknowledge"],
    Status.ACCEPTED: ["accept"],
    Status.IN_PROGRESS: ["accept", "start"],
    Status.ON_HOLD: ["accept", "start", "hold"],
}
HUMAN_ACTIONS = [a for a in Action if a not in (Action.EXPIRE, Action.WITHDRAW_CONSENT)]
CODES = {"final-state": 409, "not-allowed": 409, "wrong-actor": 403}


async def in_state(world: World, status: Status) -> dict[str, Any]:
    if status == Status.DRAFT:
        return await world.referral(send=False)
    referral = await world.referral()
    for action in PATHS[status]:
        response = await world.act(referral, action, world.partner, **VALID.get(action, {}))
        assert response.status_code == 200, response.text
        referral = response.json()
    assert referral["status"] == status
    return referral


def who(world: World, actor: Actor) -> dict[str, str]:
    return {
        Actor.REFERRER: world.worker,
        Actor.RECIPIENT: world.partner,
        Actor.NETWORK_ADMIN: world.admin,
    }[actor]


@pytest.mark.parametrize("status", [Status.DRAFT, *PATHS])
async def test_every_refused_action_is_a_clear_error_and_changes_nothing(
    world: World, status: Status
) -> None:
    referral = await in_state(world, status)
    for actor in (Actor.REFERRER, Actor.RECIPIENT, Actor.NETWORK_ADMIN):
        for action in HUMAN_ACTIONS:
            try:
                lifecycle.apply(status, action, actor, Step(**VALID.get(action.value, {})))
                continue  # allowed: exercised by the path tests below
            except lifecycle.TransitionRefused as refused:
                expected = CODES[refused.code]
            response = await world.act(
                referral, action.value, who(world, actor), **VALID.get(action.value, {})
            )
            assert response.status_code == expected, (status, actor, action, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["detail"]
    after = (await world.call("GET", f"/referrals/{referral['id']}", world.worker)).json()
    assert (after["status"], after["version"]) == (status, referral["version"])


async def test_the_whole_happy_path_and_its_history(world: World) -> None:
    draft = await world.referral(send=False)
    assert draft["status"] == "draft" and draft["allowed_actions"] == ["send", "cancel"]
    refused = await world.act(draft, "send", world.worker)
    assert refused.status_code == 422 and refused.json()["code"] == "consent-missing"
    steps = [
        ("send", world.worker, {}),
        ("acknowledge", world.partner, {}),
        ("accept", world.partner, VALID["accept"]),
        ("start", world.partner, {}),
        ("hold", world.partner, VALID["hold"]),
        ("resume", world.partner, {}),
        ("complete", world.partner, VALID["complete"]),
    ]
    await world.consent(await _claimant_of(world, draft))
    referral = draft
    for action, actor, body in steps:
        response = await world.act(referral, action, actor, **body)
        assert response.status_code == 200, (action, response.text)
        assert response.headers["etag"] == f'"{response.json()["version"]}"'
        referral = response.json()
    assert referral["status"] == "completed" and referral["outcome"] == VALID["complete"]["outcome"]
    full = (await world.call("GET", f"/referrals/{referral['id']}", world.worker)).json()
    assert [h["action"] for h in full["history"]] == ["create"] + [s[0] for s in steps]
    assert [h["version"] for h in full["history"]] == list(range(1, 9))
    assert full["history"][5]["business_status"] == "waitlisted"


async def _claimant_of(world: World, referral: dict[str, Any]) -> str:
    async with world.referrals.service.factory() as session:
        from harbour_referrals.models import Referral

        row = await session.get(Referral, referral["id"])
        assert row is not None
        return row.claimant_id


@pytest.mark.parametrize(
    ("path", "action", "body", "status", "business"),
    [
        ([], "reject", {"reason": "ineligible"}, "rejected", "ineligible"),
        (["acknowledge"], "reject", {"reason": "other", "text": "Moved away"}, "rejected", "other"),
        (["accept"], "fail", VALID["fail"], "failed", None),
        (["accept", "start"], "complete", VALID["complete"], "completed", None),
        (["accept", "start", "hold"], "complete", VALID["complete"], "completed", None),
    ],
)
async def test_closing_paths(
    world: World,
    path: list[str],
    action: str,
    body: dict[str, str],
    status: str,
    business: str | None,
) -> None:
    referral = await world.referral()
    for step in path:
        referral = (await world.act(referral, step, world.partner, **VALID.get(step, {}))).json()
    closed = await world.act(referral, action, world.partner, **body)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["business_status"]) == (status, business)


@pytest.mark.parametrize("status", [Status.DRAFT, *PATHS])
async def test_the_referrer_cancels_any_open_referral(world: World, status: Status) -> None:
    referral = await in_state(world, status)
    cancelled = await world.act(referral, "cancel", world.worker, text="Client moved")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    erased = await world.act(cancelled.json(), "enter-in-error", world.admin)
    assert erased.status_code == 200 and erased.json()["status"] == "entered-in-error"


async def test_bad_input_names_the_field(world: World) -> None:
    referral = await world.referral()
    for action, body, field in [
        ("accept", {}, "assignee"),
        ("reject", {"reason": "bored"}, "reason"),
        ("reject", {"reason": "other"}, "text"),
    ]:
        response = await world.act(referral, action, world.partner, **body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    claimant = await world.claimant()
    overrides: list[tuple[dict[str, Any], str]] = [
        ({"service_id": CLOSED}, "service_id"),
        ({"service_id": "svc-unknown"}, "service_id"),
        ({"candidates": ["svc-unknown"]}, "candidates[0]"),
    ]
    for override, field in overrides:
        response = await world.call(
            "POST",
            "/referrals",
            world.worker,
            json={
                "claimant_id": claimant,
                "service_id": "svc-legal",
                "purpose": "legal",
                **override,
            },
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    for phone in ("123", "call me", "+852 1234"):
        response = await world.call(
            "POST", "/claimants", world.worker, json={"name": "Test", "phone": phone}
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "phone"
    stale = await world.call(
        "POST",
        f"/referrals/{referral['id']}/actions/acknowledge",
        {**world.partner, "If-Match": '"99"'},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "version-conflict"


async def test_outsiders_never_see_a_referral_and_the_partner_loses_access_when_it_closes(
    world: World,
) -> None:
    referral = await world.referral()
    path = f"/referrals/{referral['id']}"
    for outsider in (world.outsider, world.other_partner):
        for sub in ("", "/claimant", "/notes"):
            assert (await world.call("GET", path + sub, outsider)).status_code == 404
        assert (await world.act(referral, "accept", outsider, assignee="x")).status_code == 404
    inbox = (await world.call("GET", "/referrals?box=inbox", world.outsider)).json()
    assert inbox["items"] == []
    shared = (await world.call("GET", path + "/claimant", world.partner)).json()["shared"]
    assert shared["name"] == "Amina Rahman" and shared["needs_summary"] == NEEDS
    assert shared["phone"] == "+85255550199"  # "+852 5555 0199" as given, stored as E.164
    assert "vulnerability_flags" not in shared  # not a consented category

    for close in ("cancel", "reject", "complete", "withdraw"):
        referral = await world.referral()
        path = f"/referrals/{referral['id']}"
        assert (await world.call("GET", path + "/claimant", world.partner)).status_code == 200
        if close == "cancel":
            await world.act(referral, "cancel", world.worker)
        elif close == "reject":
            await world.act(referral, "reject", world.partner, reason="no-capacity")
        elif close == "complete":
            accepted = (await world.act(referral, "accept", world.partner, assignee="p")).json()
            await world.act(accepted, "complete", world.partner, outcome="Done")
        else:
            consent_id = (await world.call("GET", path, world.worker)).json()["consent_id"]
            withdrawn = await world.call("POST", f"/consents/{consent_id}/withdraw", world.worker)
            assert withdrawn.json()["cancelled_referral_ids"] == [referral["id"]]
            after = (await world.call("GET", path, world.worker)).json()
            assert (after["status"], after["business_status"]) == ("cancelled", "consent-withdrawn")
        for sub in ("/claimant", "/notes"):
            denied = await world.call("GET", path + sub, world.partner)
            assert denied.status_code == 403, (close, denied.text)
            assert denied.json()["code"] == "access-ended"
        assert (await world.call("GET", path + "/claimant", world.worker)).status_code == 200


async def test_concurrent_accepts_one_wins_and_creates_are_idempotent(world: World) -> None:
    referral = await world.referral()
    headers = {**world.partner, "If-Match": f'"{referral["version"]}"'}

    async def accept(worker: str) -> int:
        response = await world.call(
            "POST",
            f"/referrals/{referral['id']}/actions/accept",
            headers,
            json={"assignee": worker},
        )
        return response.status_code

    codes = sorted(await asyncio.gather(accept("a"), accept("b")))
    assert codes == [200, 409]

    claimant = await world.claimant()
    body = {"claimant_id": claimant, "service_id": "svc-legal", "purpose": "legal"}
    key = {**world.worker, "Idempotency-Key": "create-123"}
    first = await world.call("POST", "/referrals", key, json=body)
    again = await world.call("POST", "/referrals", key, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    sent = (await world.call("GET", "/referrals?box=sent&status=draft", world.worker)).json()
    assert [r["id"] for r in sent["items"]].count(first.json()["id"]) == 1
    reused = await world.call("POST", "/referrals", key, json={**body, "urgency": "urgent"})
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency-key-reused"


async def test_lists_page_by_cursor_and_filter_by_status(world: World) -> None:
    made = [await world.referral() for _ in range(5)]
    await world.act(made[0], "acknowledge", world.partner)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"box": "inbox", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await world.call("GET", "/referrals", world.partner, params=params)).json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in reversed(made)]
    received = (
        await world.call("GET", "/referrals?box=inbox&status=received", world.partner)
    ).json()
    assert [r["id"] for r in received["items"]] == [made[0]["id"]]
    batch = await world.call(
        "GET", f"/referrals?box=sent&ids={made[1]['id']},{made[2]['id']}", world.worker
    )
    assert {r["id"] for r in batch.json()["items"]} == {made[1]["id"], made[2]["id"]}


async def test_forward_and_reroute_issue_linked_referrals_with_consent_rechecked(
    world: World,
) -> None:
    referral = await world.referral()
    refused = await world.call(
        "POST",
        f"/referrals/{referral['id']}/forward",
        world.partner,
        json={"service_id": LEGAL_TOO},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "consent-missing"
    claimant = await _claimant_of(world, referral)
    await world.consent(claimant, orgs=[PARTNER_ORG, OTHER_ORG])
    forwarded = await world.call(
        "POST",
        f"/referrals/{referral['id']}/forward",
        world.partner,
        json={"service_id": LEGAL_TOO},
    )
    assert forwarded.status_code == 201, forwarded.text
    new = forwarded.json()
    old = (await world.call("GET", f"/referrals/{referral['id']}", world.worker)).json()
    assert old["status"] == "rejected" and old["business_status"] == "out-of-scope"
    assert (new["replaces_id"], new["link_kind"], new["status"]) == (
        referral["id"],
        "forward",
        "requested",
    )
    assert new["recipient_organization_id"] == OTHER_ORG
    inbox = (await world.call("GET", "/referrals?box=inbox", world.other_partner)).json()
    assert [r["id"] for r in inbox["items"]] == [new["id"]]

    declined = (await world.act(new, "reject", world.other_partner, reason="no-capacity")).json()
    rerouted = await world.call(
        "POST",
        f"/referrals/{declined['id']}/reroute",
        world.worker,
        json={"service_id": "svc-legal"},
    )
    assert rerouted.status_code == 201 and rerouted.json()["replaces_id"] == declined["id"]


async def test_notes_thread_between_both_sides(world: World) -> None:
    referral = await world.referral()
    path = f"/referrals/{referral['id']}/notes"
    assert (
        await world.call("POST", path, world.worker, json={"body": "She prefers a female lawyer."})
    ).status_code == 201
    assert (
        await world.call("POST", path, world.partner, json={"body": "Noted; Thursday 10am."})
    ).status_code == 201
    for side in (world.worker, world.partner):
        bodies = [n["body"] for n in (await world.call("GET", path, side)).json()["items"]]
        assert bodies == ["She prefers a female lawyer.", "Noted; Thursday 10am."]
    assert (await world.call("GET", path, world.outsider)).status_code == 404


async def test_network_figures_hold_no_personal_data(world: World) -> None:
    referral = await world.referral()
    await world.act(referral, "reject", world.partner, reason="no-capacity")
    figures = await world.call("GET", "/figures", world.admin)
    assert figures.status_code == 200
    assert figures.json()["declines_by_reason"] == {"no-capacity": 1}
    assert "Amina" not in figures.text
    assert (await world.call("GET", "/figures", world.worker)).status_code == 403
