"""The HSDS 3.0 read API, and org admins' writes: checked, refused cleanly, one event each."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from harbour_directory.seed import DEMO_ORGANIZATIONS, seed
from harbour_kit.contracts import ServiceUpserted
from harbour_kit.db import execute
from tests.conftest import Mint, Running, StartService, bearer

HARBOUR_CARE = str(DEMO_ORGANIZATIONS[0]["id"])
LEGAL_CLINIC = str(DEMO_ORGANIZATIONS[1]["id"])
CLAIM_ADVICE = "5a0c0002-0000-4000-8000-000000000001"
DETENTION_VISITS = "5a0c0002-0000-4000-8000-000000000002"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
CONTRACT_FIELDS = {
    "service_id",
    "organization_id",
    "name",
    "status",
    "accepting_referrals",
    "version",
}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    return body


async def outbox_events(directory: Running) -> list[tuple[str, dict[str, Any]]]:
    """Every event the directory has recorded, oldest first."""
    table = directory.service.tables.outbox
    async with directory.service.factory() as session:
        rows = await execute(
            session, select(table.c.event_type, table.c.data).order_by(table.c.position)
        )
        return [(row.event_type, dict(row.data)) for row in rows.all()]


async def service_count(directory: Running) -> int:
    response = await directory.client.get("/services")
    assert response.status_code == 200
    return int(response.json()["total_items"])


async def test_hsds_read_api_pages_and_looks_up(start_service: StartService) -> None:
    directory = await start_service("directory")
    await seed(directory.service)
    client = directory.client

    root = await client.get("/")
    assert root.status_code == 200
    assert root.json()["version"] == "3.0"

    whole = (await client.get("/services")).json()
    assert {k: v for k, v in whole.items() if k != "contents"} == {
        "total_items": 6,
        "total_pages": 1,
        "page_number": 1,
        "size": 6,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    names = [s["name"] for s in whole["contents"]]
    assert names == sorted(names)

    pages = [(await client.get(f"/services?per_page=2&page={n}")).json() for n in (1, 2, 3, 4)]
    assert [p["page_number"] for p in pages] == [1, 2, 3, 4]
    assert all(p["total_items"] == 6 and p["total_pages"] == 3 for p in pages)
    assert [p["size"] for p in pages] == [2, 2, 2, 0]
    assert [p["first_page"] for p in pages] == [True, False, False, False]
    assert [p["last_page"] for p in pages] == [False, False, True, True]
    assert [p["empty"] for p in pages] == [False, False, False, True]
    paged = [s["id"] for p in pages for s in p["contents"]]
    assert paged == [s["id"] for s in whole["contents"]]  # each service once, in order

    batch = await client.get("/services", params={"ids": f"{CLAIM_ADVICE},{DETENTION_VISITS}"})
    assert {s["id"] for s in batch.json()["contents"]} == {CLAIM_ADVICE, DETENTION_VISITS}
    assert batch.json()["total_items"] == 2

    one = await client.get(f"/services/{DETENTION_VISITS}")
    assert one.status_code == 200
    assert one.json()["name"] == "Detention visits"
    assert one.json()["organization_id"] == LEGAL_CLINIC
    assert one.json()["accepting_referrals"] is False
    assert_problem(await client.get(f"/services/{UNKNOWN}"), 404, "not-found")

    orgs = (await client.get("/organizations")).json()
    assert orgs["total_items"] == 3
    assert {o["id"] for o in orgs["contents"]} == {str(o["id"]) for o in DEMO_ORGANIZATIONS}
    second = (await client.get("/organizations?per_page=2&page=2")).json()
    assert (second["size"], second["total_pages"], second["last_page"]) == (1, 2, True)
    batch = await client.get("/organizations", params={"ids": f"{HARBOUR_CARE},{LEGAL_CLINIC}"})
    assert {o["id"] for o in batch.json()["contents"]} == {HARBOUR_CARE, LEGAL_CLINIC}
    org = await client.get(f"/organizations/{LEGAL_CLINIC}")
    assert org.status_code == 200
    assert org.json()["name"] == "Kowloon Legal Clinic"
    assert_problem(await client.get(f"/organizations/{UNKNOWN}"), 404, "not-found")


async def test_org_admin_lists_a_service_for_their_own_organisation_only(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    await seed(directory.service)
    before = await outbox_events(directory)
    admin = bearer(mint("org_admin", org=LEGAL_CLINIC))
    new = {"name": "Immigration bail hearings", "description": "Representation at hearings."}

    created = await directory.client.post(
        f"/organizations/{LEGAL_CLINIC}/services", json=new, headers=admin
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["organization_id"], body["version"], body["status"]) == (LEGAL_CLINIC, 1, "active")
    read = await directory.client.get(f"/services/{body['id']}")
    assert read.status_code == 200
    assert read.json()["name"] == new["name"]
    assert read.json()["description"] == new["description"]

    events = await outbox_events(directory)
    assert len(events) == len(before) + 1
    event_type, data = events[-1]
    assert event_type == ServiceUpserted.event_type == "harbour.directory.service.upserted.v1"
    assert set(data) == CONTRACT_FIELDS
    assert data["service_id"] == body["id"]
    assert (data["organization_id"], data["name"], data["version"]) == (
        LEGAL_CLINIC,
        new["name"],
        1,
    )

    refusals = [
        (bearer(mint("org_admin", org=LEGAL_CLINIC)), HARBOUR_CARE, 403, "wrong-organisation"),
        (bearer(mint("partner_staff", org=LEGAL_CLINIC)), LEGAL_CLINIC, 403, "wrong-role"),
        ({}, LEGAL_CLINIC, 401, "missing-token"),
    ]
    for headers, org_id, status, code in refusals:
        response = await directory.client.post(
            f"/organizations/{org_id}/services", json={"name": "Sneaky"}, headers=headers
        )
        assert_problem(response, status, code)
    assert await service_count(directory) == 7
    assert len(await outbox_events(directory)) == len(events)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Clinic", "status": "open"}, "status"),
        ({"name": "Clinic", "organization_id": HARBOUR_CARE}, "organization_id"),
        ({"description": "no name"}, "name"),
    ],
)
async def test_bad_input_is_refused_field_by_field_and_changes_nothing(
    start_service: StartService, mint: Mint, payload: dict[str, Any], field: str
) -> None:
    directory = await start_service("directory")
    await seed(directory.service)
    before = await outbox_events(directory)
    admin = bearer(mint("org_admin", org=LEGAL_CLINIC))

    response = await directory.client.post(
        f"/organizations/{LEGAL_CLINIC}/services", json=payload, headers=admin
    )
    problem = assert_problem(response, 422, "validation-failed")
    assert field in {e["field"] for e in problem["errors"]}
    assert all(set(e) == {"field", "message"} for e in problem["errors"])
    assert await service_count(directory) == 6
    assert await outbox_events(directory) == before


async def test_patch_changes_one_version_and_bad_patches_change_nothing(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    await seed(directory.service)
    admin = bearer(mint("org_admin", org=LEGAL_CLINIC))
    url = f"/services/{DETENTION_VISITS}"
    original = (await directory.client.get(url)).json()
    before = await outbox_events(directory)

    bad = [
        ({"name": ""}, "name"),
        ({"status": "closed for lunch"}, "status"),
        ({"version": 9}, "version"),
        ({"accepting_referrals": "perhaps"}, "accepting_referrals"),
        ({"name": None}, "name"),
        ({"accepting_referrals": None}, "accepting_referrals"),
    ]
    for payload, field in bad:
        problem = assert_problem(
            await directory.client.patch(url, json=payload, headers=admin), 422, "validation-failed"
        )
        assert field in {e["field"] for e in problem["errors"]}
    other_admin = bearer(mint("org_admin", org=HARBOUR_CARE))
    refused = await directory.client.patch(url, json={"name": "Mine"}, headers=other_admin)
    assert_problem(refused, 403, "wrong-organisation")
    missing = await directory.client.patch(
        f"/services/{UNKNOWN}", json={"name": "X"}, headers=admin
    )
    assert_problem(missing, 404, "not-found")
    assert (await directory.client.get(url)).json() == original
    assert await outbox_events(directory) == before
    for unchanged in ({}, {"name": original["name"]}):
        same = await directory.client.patch(url, json=unchanged, headers=admin)
        assert same.status_code == 200 and same.json()["version"] == original["version"]
    assert await outbox_events(directory) == before

    changed = await directory.client.patch(
        url, json={"accepting_referrals": True, "status": "temporarily closed"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == original["version"] + 1 == 2
    assert changed.json()["name"] == original["name"]
    events = await outbox_events(directory)
    assert len(events) == len(before) + 1
    event_type, data = events[-1]
    assert event_type == ServiceUpserted.event_type
    assert data == {
        "service_id": DETENTION_VISITS,
        "organization_id": LEGAL_CLINIC,
        "name": "Detention visits",
        "status": "temporarily closed",
        "accepting_referrals": True,
        "version": 2,
    }
