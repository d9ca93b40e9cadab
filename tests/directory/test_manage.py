"""Org admins keep their own listings; bad input is refused by name and changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from harbour_directory.demo import FIXTURES, sample_directory
from harbour_directory.seed import seed
from harbour_kit.contracts import (
    ServiceCapacityChanged,
    ServiceRemoved,
    ServiceUpserted,
    ServiceUpsertedV2,
)
from harbour_kit.db import execute
from tests.conftest import Mint, Running, StartService, bearer

TST_LEGAL = FIXTURES["tst_legal_urdu"]


def owner_of(service_id: str) -> str:
    return next(
        str(org["id"])
        for org in sample_directory()
        for service in org["services"]
        if service["id"] == service_id
    )


async def outbox(directory: Running) -> list[tuple[str, dict[str, Any]]]:
    table = directory.service.tables.outbox
    async with directory.service.factory() as session:
        rows = await execute(
            session, select(table.c.event_type, table.c.data).order_by(table.c.position)
        )
        return [(r.event_type, dict(r.data)) for r in rows.all()]


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    running = await start_service("directory", backend)
    await seed(running.service)
    return running


async def test_an_org_admin_edits_their_own_service_and_the_change_is_published(
    directory: Running, mint: Mint
) -> None:
    org = owner_of(TST_LEGAL)
    admin = bearer(mint("org_admin", org=org))
    document = (await directory.client.get(f"/services/{TST_LEGAL}", headers=admin)).json()
    before = await outbox(directory)
    document["name"] = "Refugee legal advice, Tsim Sha Tsui (sample)"
    document["translations"]["zh-Hant"]["name"] = "尖沙咀難民法律諮詢示例"
    saved = await directory.client.put(f"/services/{TST_LEGAL}", json=document, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["name"] == document["name"]
    assert saved.json()["version"] == document["version"] + 1
    page = await directory.client.get(
        "/service_at_locations", params={"q": "難民法律諮詢", "locale": "zh-Hant"}
    )
    assert [i["service"]["name"] for i in page.json()["contents"]] == ["尖沙咀難民法律諮詢示例"]
    events = (await outbox(directory))[len(before) :]
    # v1 for the consumers still on it, v2 beside it with the provider's name.
    assert [e for e, _ in events] == [ServiceUpserted.event_type, ServiceUpsertedV2.event_type]
    assert events[0][1]["name"] == events[1][1]["name"] == document["name"]
    assert events[1][1]["organization_name"]

    intake = await directory.client.patch(
        f"/services/{TST_LEGAL}/intake",
        json={"accepting_referrals": False, "waitlist_weeks": 6},
        headers=admin,
    )
    assert intake.status_code == 200, intake.text
    assert intake.json()["accepting_referrals"] is False
    events = (await outbox(directory))[len(before) + 2 :]
    assert [e for e, _ in events] == [
        ServiceUpserted.event_type,
        ServiceUpsertedV2.event_type,
        ServiceCapacityChanged.event_type,
    ]
    assert events[2][1]["waitlist_weeks"] == 6 and events[0][1]["accepting_referrals"] is False
    accepting = await directory.client.get(
        "/service_at_locations",
        params={"near": "Chungking Mansions", "accepting_referrals": "true", "per_page": 100},
    )
    assert TST_LEGAL not in {i["service"]["id"] for i in accepting.json()["contents"]}

    removed = await directory.client.delete(f"/services/{TST_LEGAL}", headers=admin)
    assert removed.status_code == 204
    assert (await directory.client.get(f"/services/{TST_LEGAL}")).status_code == 404
    assert (await outbox(directory))[-1][0] == ServiceRemoved.event_type


async def test_an_org_admin_cannot_change_another_organisations_listing(
    directory: Running, mint: Mint
) -> None:
    intruder = bearer(mint("org_admin", org=owner_of(FIXTURES["shatin_legal_urdu"])))
    assert owner_of(FIXTURES["shatin_legal_urdu"]) != owner_of(TST_LEGAL)
    original = (await directory.client.get(f"/services/{TST_LEGAL}")).json()
    before = await outbox(directory)
    changed = {**original, "name": "Taken over"}
    attempts = [
        await directory.client.put(f"/services/{TST_LEGAL}", json=changed, headers=intruder),
        await directory.client.patch(
            f"/services/{TST_LEGAL}/intake", json={"accepting_referrals": False}, headers=intruder
        ),
        await directory.client.delete(f"/services/{TST_LEGAL}", headers=intruder),
        await directory.client.post(
            "/closures",
            json={"scope": "service", "scope_id": TST_LEGAL, "reason": "other"},
            headers=intruder,
        ),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "forbidden"
    moved = {**original, "id": "new-service", "organization_id": owner_of(TST_LEGAL)}
    assert (
        await directory.client.put("/services/new-service", json=moved, headers=intruder)
    ).status_code == 403
    staff = bearer(mint("partner_staff", org=owner_of(TST_LEGAL)))
    assert (
        await directory.client.put(f"/services/{TST_LEGAL}", json=changed, headers=staff)
    ).status_code == 403
    assert (await directory.client.put(f"/services/{TST_LEGAL}", json=changed)).status_code == 401
    assert (await directory.client.get(f"/services/{TST_LEGAL}")).json() == original
    assert await outbox(directory) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 200, "lng": 114.17}, "lat"),
        ({"lat": 22.3, "lng": 114.17, "radius": -1}, "radius"),
        ({"near": "Mong Kok", "radius": 10_000_000}, "radius"),
        ({"category": "astrology"}, "category"),
        ({"near": "Atlantis"}, "near"),
        ({"near": "Mong Kok", "eligible": "tourist"}, "eligible"),
        ({"lat": 22.3}, "lng"),
        ({"open_at": "2026-11-24T11:00:00"}, "open_at"),
    ],
)
async def test_bad_search_input_gets_a_problem_naming_the_field(
    start_service: StartService, params: dict[str, Any], field: str
) -> None:
    directory = await start_service("directory")
    response = await directory.client.get("/service_at_locations", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert field in {e["field"].split(".")[-1] for e in body["errors"]}, body


async def test_bad_listing_input_names_the_field_and_changes_nothing(
    directory: Running, mint: Mint
) -> None:
    admin = bearer(mint("org_admin", org=owner_of(TST_LEGAL)))
    original = (await directory.client.get(f"/services/{TST_LEGAL}", headers=admin)).json()
    before = await outbox(directory)
    broken = {
        **copy.deepcopy(original),
        "categories": ["legal", "astrology"],
        "eligibility": {"immigration": {"non-refoulement-claimant": "maybe"}},
        "intake": {"accepting_referrals": "sometimes"},
    }
    broken["service_at_locations"][0]["location"]["district"] = "atlantis"
    broken["service_at_locations"][0]["location"]["latitude"] = 200
    response = await directory.client.put(f"/services/{TST_LEGAL}", json=broken, headers=admin)
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "[0].categories[1]",
        "[0].eligibility.immigration.non-refoulement-claimant",
        "[0].intake.accepting_referrals",
        "[0].service_at_locations[0].location.district",
        "[0].service_at_locations[0].location.latitude",
    }
    assert (await directory.client.get(f"/services/{TST_LEGAL}", headers=admin)).json() == original
    assert await outbox(directory) == before
