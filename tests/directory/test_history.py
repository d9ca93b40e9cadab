"""Change history: org admins' edits are recorded with before and after; network admins revert."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Mint, Running, StartService, bearer
from tests.sample import CLAIM_ADVICE, COMMUNITY_HEALTH, LEGAL_CLINIC
from tests.sample import seed_small as seed

SCHEDULE_ID = "5a0c0002-0000-4000-8000-00000000d001"


def weekday_hours(closes_at: str) -> list[dict[str, Any]]:
    return [
        {
            "id": SCHEDULE_ID,
            "service_id": CLAIM_ADVICE,
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "09:30",
            "closes_at": closes_at,
        }
    ]


async def history(directory: Running, token: str) -> list[dict[str, Any]]:
    response = await directory.client.get(
        f"/services/{CLAIM_ADVICE}/history", headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    changes: list[dict[str, Any]] = response.json()["changes"]
    return changes


async def put_hours(directory: Running, token: str, closes_at: str) -> None:
    document = (await directory.client.get(f"/services/{CLAIM_ADVICE}")).json()
    document["schedules"] = weekday_hours(closes_at)
    saved = await directory.client.put(
        f"/services/{CLAIM_ADVICE}", json=document, headers=bearer(token)
    )
    assert saved.status_code == 200, saved.text


def hours_of(schedules: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(s["opens_at"], s["closes_at"]) for s in schedules]


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    running = await start_service("directory", backend)
    await seed(running.service)
    return running


async def test_an_org_admins_hours_edit_is_recorded_and_a_network_admin_reverts_it(
    directory: Running, mint: Mint
) -> None:
    owner = mint("org_admin", org=LEGAL_CLINIC, sub="admin-of-legal")
    network = mint("network_admin", sub="moderator-1")
    await put_hours(directory, owner, "17:30")
    await put_hours(directory, owner, "13:00")

    latest, first = await history(directory, owner)
    assert latest["subject"] == "admin-of-legal"
    assert latest["actor_organization_id"] == LEGAL_CLINIC
    assert (latest["role"], latest["action"]) == ("org_admin", "edit")
    assert set(latest["before"]) == set(latest["after"]) == {"schedules"}
    assert hours_of(latest["before"]["schedules"]) == [("09:30", "17:30")]
    assert hours_of(latest["after"]["schedules"]) == [("09:30", "13:00")]
    assert first["before"]["schedules"] == [] and hours_of(first["after"]["schedules"])

    # Intake changes are edits too.
    closed = await directory.client.patch(
        f"/services/{CLAIM_ADVICE}/intake",
        json={"accepting_referrals": False},
        headers=bearer(owner),
    )
    assert closed.status_code == 200, closed.text
    intake = (await history(directory, owner))[0]
    assert intake["before"]["intake"]["accepting_referrals"] is True
    assert intake["after"]["intake"]["accepting_referrals"] is False

    reverted = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/history/{latest['id']}/revert", headers=bearer(network)
    )
    assert reverted.status_code == 200, reverted.text
    change = reverted.json()
    assert (change["action"], change["role"], change["reverts"]) == (
        "revert",
        "network_admin",
        latest["id"],
    )
    assert change["subject"] == "moderator-1"
    assert hours_of(change["after"]["schedules"]) == [("09:30", "17:30")]
    record = (await directory.client.get(f"/services/{CLAIM_ADVICE}")).json()
    assert hours_of(record["schedules"]) == [("09:30", "17:30")]
    assert record["intake"]["accepting_referrals"] is False  # only that change's fields
    assert (await history(directory, network))[0]["id"] == change["id"]


async def test_only_the_organisations_admins_and_network_admins_see_or_revert_history(
    directory: Running, mint: Mint
) -> None:
    owner = mint("org_admin", org=LEGAL_CLINIC)
    await put_hours(directory, owner, "17:30")
    [edit] = await history(directory, owner)
    intruder = bearer(mint("org_admin", org=COMMUNITY_HEALTH))
    seen = await directory.client.get(f"/services/{CLAIM_ADVICE}/history", headers=intruder)
    assert seen.status_code == 403, seen.text
    for token in (owner, mint("org_admin", org=COMMUNITY_HEALTH)):
        refused = await directory.client.post(
            f"/services/{CLAIM_ADVICE}/history/{edit['id']}/revert", headers=bearer(token)
        )
        assert refused.status_code == 403, refused.text
    missing = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/history/no-such-change/revert",
        headers=bearer(mint("network_admin")),
    )
    assert missing.status_code == 404, missing.text
    assert len(await history(directory, owner)) == 1
