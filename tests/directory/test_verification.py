"""Listing verification: admins confirm listings, stale ones are reported and reminded of once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from harbour_directory.demo import FIXTURES, sample_directory
from harbour_directory.seed import seed
from harbour_directory.verification import clocks
from harbour_directory.verification.repository import SERVICE
from harbour_kit.contracts import ListingVerificationDue, ServiceUpserted, ServiceUpsertedV2
from harbour_kit.db import execute
from tests.conftest import Mint, Running, StartService, bearer

TST_LEGAL = FIXTURES["tst_legal_urdu"]
SHATIN_LEGAL = FIXTURES["shatin_legal_urdu"]
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def owner_of(service_id: str) -> str:
    return next(
        str(org["id"])
        for org in sample_directory()
        for service in org["services"]
        if service["id"] == service_id
    )


def hk_today(now: datetime) -> str:
    return now.astimezone(HONG_KONG).date().isoformat()


def sample_counts(now: datetime, changed: dict[str, str | None]) -> dict[str, int]:
    """Fresh, stale and never-confirmed listings of the sample at `now`, with `changed` dates."""
    oldest = hk_today(now - timedelta(days=182))
    counts = {"fresh": 0, "stale": 0, "never_confirmed": 0}
    for org in sample_directory():
        for service in org["services"]:
            assured = changed.get(service["id"], service.get("assured_date"))
            key = "never_confirmed" if not assured else "stale" if assured < oldest else "fresh"
            counts[key] += 1
    return counts


async def outbox(directory: Running) -> list[tuple[str, dict[str, Any]]]:
    table = directory.service.tables.outbox
    async with directory.service.factory() as session:
        rows = await execute(
            session, select(table.c.event_type, table.c.data).order_by(table.c.position)
        )
        return [(r.event_type, dict(r.data)) for r in rows.all()]


async def reminders(directory: Running) -> list[dict[str, Any]]:
    return [d for t, d in await outbox(directory) if t == ListingVerificationDue.event_type]


async def set_assured_date(
    directory: Running, token: str, service_id: str, assured: str | None
) -> None:
    """Saves the listing as its admin would, with this last-checked date (None: never)."""
    if assured is None:
        # HSDS types the date as a string, so a document cannot clear it: set the state directly.
        async with directory.service.uow() as session:
            await execute(
                session, update(SERVICE).where(SERVICE.c.id == service_id).values(assured_date=None)
            )
        return
    document = (await directory.client.get(f"/services/{service_id}")).json()
    document["assured_date"] = assured
    saved = await directory.client.put(
        f"/services/{service_id}", json=document, headers=bearer(token)
    )
    assert saved.status_code == 200, saved.text


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    # An hour between sweeps: only the sweeps the tests run with their own clock happen.
    running = await start_service("directory", backend, verification_interval=3600)
    await seed(running.service)
    return running


async def test_a_stale_listing_is_reminded_of_once_until_confirmed_and_stale_again(
    directory: Running, mint: Mint
) -> None:
    now = datetime.now(UTC)
    admin = mint("org_admin", org=owner_of(TST_LEGAL), email="desk@legal.example.org")
    await set_assured_date(directory, admin, TST_LEGAL, hk_today(now - timedelta(days=200)))

    view = await directory.client.get(f"/services/{TST_LEGAL}/verification", headers=bearer(admin))
    assert view.status_code == 200, view.text
    assert view.json()["stale"] is True
    assert view.json()["assured_date"] == hk_today(now - timedelta(days=200))

    # The sample's own old listings are reminded of too, one event each.
    counts = sample_counts(now, {TST_LEGAL: hk_today(now - timedelta(days=200))})
    assert await clocks.sweep(directory.service, now=now) == counts["stale"]
    [due] = [d for d in await reminders(directory) if d["service_id"] == TST_LEGAL]
    assert due == {
        "service_id": TST_LEGAL,
        "organization_id": owner_of(TST_LEGAL),
        "name": view.json()["name"],
        "assured_date": hk_today(now - timedelta(days=200)),
        "occurred_at": due["occurred_at"],
    }
    assert "desk@" not in str(due)
    assert await clocks.sweep(directory.service, now=now) == 0
    assert await clocks.sweep(directory.service, now=now + timedelta(hours=1)) == 0
    assert len(await reminders(directory)) == counts["stale"]

    before = await outbox(directory)
    confirmed = await directory.client.post(
        f"/services/{TST_LEGAL}/verification", headers=bearer(admin)
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["stale"] is False and body["assured_date"] == hk_today(datetime.now(UTC))
    assert body["assurer_email"] == "desk@legal.example.org"
    record = (await directory.client.get(f"/services/{TST_LEGAL}")).json()
    assert record["assured_date"] == body["assured_date"]
    published = (await outbox(directory))[len(before) :]
    assert [t for t, _ in published] == [ServiceUpserted.event_type, ServiceUpsertedV2.event_type]
    assert published[0][1]["version"] == record["version"]
    page = await directory.client.get(
        "/service_at_locations", params={"near": "Chungking Mansions", "per_page": 100}
    )
    [result] = [i for i in page.json()["contents"] if i["service"]["id"] == TST_LEGAL]
    assert result["last_verified"] == body["assured_date"]

    # Confirmed: fresh now, and no reminder; once it goes stale again, one more reminder.
    assert await clocks.sweep(directory.service, now=now) == 0
    later = now + timedelta(days=183)
    await clocks.sweep(directory.service, now=later)
    again = [d for d in await reminders(directory) if d["service_id"] == TST_LEGAL]
    assert [d["assured_date"] for d in again] == [due["assured_date"], body["assured_date"]]
    await clocks.sweep(directory.service, now=later)
    assert len([d for d in await reminders(directory) if d["service_id"] == TST_LEGAL]) == 2


async def test_confirming_without_an_email_keeps_the_assurer_and_network_admins_may_confirm(
    directory: Running, mint: Mint
) -> None:
    org_admin = mint("org_admin", org=owner_of(TST_LEGAL), email="desk@legal.example.org")
    first = await directory.client.post(
        f"/services/{TST_LEGAL}/verification", headers=bearer(org_admin)
    )
    assert first.status_code == 200, first.text
    network = await directory.client.post(
        f"/services/{TST_LEGAL}/verification", headers=bearer(mint("network_admin"))
    )
    assert network.status_code == 200, network.text
    assert network.json()["assurer_email"] == "desk@legal.example.org"
    missing = await directory.client.post(
        "/services/no-such-service/verification", headers=bearer(mint("network_admin"))
    )
    assert missing.status_code == 404, missing.text


async def test_an_org_admin_cannot_confirm_another_organisations_listing(
    directory: Running, mint: Mint
) -> None:
    assert owner_of(SHATIN_LEGAL) != owner_of(TST_LEGAL)
    intruder = bearer(mint("org_admin", org=owner_of(SHATIN_LEGAL)))
    before = await outbox(directory)
    record = (await directory.client.get(f"/services/{TST_LEGAL}")).json()
    for response in (
        await directory.client.post(f"/services/{TST_LEGAL}/verification", headers=intruder),
        await directory.client.get(f"/services/{TST_LEGAL}/verification", headers=intruder),
    ):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    social_worker = bearer(mint("social_worker", org=owner_of(TST_LEGAL)))
    refused = await directory.client.post(
        f"/services/{TST_LEGAL}/verification", headers=social_worker
    )
    assert refused.status_code == 403, refused.text
    anonymous = await directory.client.post(f"/services/{TST_LEGAL}/verification")
    assert anonymous.status_code == 401, anonymous.text
    assert (await directory.client.get(f"/services/{TST_LEGAL}")).json() == record
    assert await outbox(directory) == before


async def test_the_network_admins_freshness_report_counts_and_pages(
    directory: Running, mint: Mint
) -> None:
    now = datetime.now(UTC)
    changed = {TST_LEGAL: hk_today(now - timedelta(days=200)), SHATIN_LEGAL: None}
    await set_assured_date(
        directory,
        mint("org_admin", org=owner_of(TST_LEGAL)),
        TST_LEGAL,
        hk_today(now - timedelta(days=200)),
    )
    await set_assured_date(
        directory, mint("org_admin", org=owner_of(SHATIN_LEGAL)), SHATIN_LEGAL, None
    )
    network = bearer(mint("network_admin"))

    report = await directory.client.get("/verification/report", headers=network)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["period_days"] == 182
    counts = sample_counts(now, changed)
    assert body["counts"] == counts and counts["never_confirmed"] == 1
    assert body["total_items"] == counts["stale"] + 1
    names = {org["id"]: org["name"] for org in sample_directory()}
    ours = [x for x in body["contents"] if x["service_id"] in changed]
    assert sorted(ours, key=lambda x: x["service_id"]) == sorted(
        [
            {
                "service_id": TST_LEGAL,
                "name": (await directory.client.get(f"/services/{TST_LEGAL}")).json()["name"],
                "organization": {"id": owner_of(TST_LEGAL), "name": names[owner_of(TST_LEGAL)]},
                "assured_date": hk_today(now - timedelta(days=200)),
            },
            {
                "service_id": SHATIN_LEGAL,
                "name": (await directory.client.get(f"/services/{SHATIN_LEGAL}")).json()["name"],
                "organization": {
                    "id": owner_of(SHATIN_LEGAL),
                    "name": names[owner_of(SHATIN_LEGAL)],
                },
                "assured_date": None,
            },
        ],
        key=lambda x: str(x["service_id"]),
    )
    # Ordered by organisation name.
    assert [x["organization"]["name"].casefold() for x in body["contents"]] == sorted(
        x["organization"]["name"].casefold() for x in body["contents"]
    )

    second = await directory.client.get(
        "/verification/report", params={"page": 2, "per_page": 1}, headers=network
    )
    assert second.status_code == 200, second.text
    assert second.json()["total_pages"] == body["total_items"]
    assert second.json()["page_number"] == 2 and second.json()["size"] == 1
    assert [x["service_id"] for x in second.json()["contents"]] == [
        body["contents"][1]["service_id"]
    ]

    bad = await directory.client.get(
        "/verification/report", params={"per_page": 0}, headers=network
    )
    assert bad.status_code == 422, bad.text
    assert "per_page" in bad.text
    org_admin = bearer(mint("org_admin", org=owner_of(TST_LEGAL)))
    refused = await directory.client.get("/verification/report", headers=org_admin)
    assert refused.status_code == 403, refused.text

    confirmed = await directory.client.post(
        f"/services/{SHATIN_LEGAL}/verification",
        headers=bearer(mint("org_admin", org=owner_of(SHATIN_LEGAL))),
    )
    assert confirmed.status_code == 200, confirmed.text
    after = (await directory.client.get("/verification/report", headers=network)).json()
    assert after["counts"] == sample_counts(now, {**changed, SHATIN_LEGAL: hk_today(now)})
