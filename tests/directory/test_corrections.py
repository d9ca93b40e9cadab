"""Public reports on listings: no account needed, spam-resistant, and worked by the right admins."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from harbour_kit.contracts import ListingReportReceived
from harbour_kit.db import execute
from tests.conftest import Mint, Running, StartService, bearer
from tests.sample import CLAIM_ADVICE, COMMUNITY_HEALTH, LEGAL_CLINIC
from tests.sample import seed_small as seed


def from_(address: str) -> dict[str, str]:
    """Headers of a request relayed for a client at `address` (the test client is trusted)."""
    return {"x-forwarded-for": address}


async def reports_in_outbox(directory: Running) -> list[dict[str, Any]]:
    table = directory.service.tables.outbox
    async with directory.service.factory() as session:
        rows = await execute(
            session,
            select(table.c.data)
            .where(table.c.event_type == ListingReportReceived.event_type)
            .order_by(table.c.position),
        )
        return [dict(r.data) for r in rows]


async def queue(directory: Running, token: str, status: str = "open") -> list[dict[str, Any]]:
    response = await directory.client.get(
        "/reports", params={"status": status}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["contents"]
    return found


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    running = await start_service("directory", backend, report_limit=3)
    await seed(running.service)
    return running


async def test_anyone_reports_a_listing_and_the_event_carries_no_text(
    directory: Running, mint: Mint
) -> None:
    sent = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports",
        json={"kind": "hours-wrong", "text": "Closed on Saturdays now,  not open"},
        headers=from_("203.0.113.1"),
    )
    assert sent.status_code == 202, sent.text
    report_id = sent.json()["id"]

    [event] = await reports_in_outbox(directory)
    assert event == {
        "report_id": report_id,
        "service_id": CLAIM_ADVICE,
        "organization_id": LEGAL_CLINIC,
        "name": "Non-refoulement claim advice",
        "kind": "hours-wrong",
        "occurred_at": event["occurred_at"],
    }
    assert "Saturdays" not in str(event)

    [queued] = await queue(directory, mint("network_admin"))
    assert queued["id"] == report_id
    assert queued["text"] == "Closed on Saturdays now, not open"
    assert queued["service_name"] == "Non-refoulement claim advice"
    assert queued["status"] == "open"

    # The same report again is not queued twice; the same kind with other words is.
    again = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports",
        json={"kind": "hours-wrong", "text": "closed on saturdays now, not open"},
        headers=from_("203.0.113.2"),
    )
    assert again.status_code == 202, again.text
    assert again.json()["id"] == report_id
    assert len(await reports_in_outbox(directory)) == 1


async def test_reports_are_limited_per_client_address_with_a_429(directory: Running) -> None:
    for n in range(3):
        sent = await directory.client.post(
            f"/services/{CLAIM_ADVICE}/reports",
            json={"kind": "other", "text": f"wrong thing number {'i' * (n + 1)}"},
            headers=from_("198.51.100.7"),
        )
        assert sent.status_code == 202, sent.text
    refused = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports",
        json={"kind": "moved"},
        headers=from_("198.51.100.7"),
    )
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate-limited"
    assert int(refused.headers["retry-after"]) > 0
    # Another address is counted on its own.
    other = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports", json={"kind": "moved"}, headers=from_("198.51.100.8")
    )
    assert other.status_code == 202, other.text
    assert len(await reports_in_outbox(directory)) == 4


async def test_a_robot_filling_the_honeypot_looks_accepted_but_nothing_is_kept(
    directory: Running, mint: Mint
) -> None:
    sent = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports",
        json={"kind": "closed", "text": "buy things", "website": "http://spam.example"},
        headers=from_("192.0.2.10"),
    )
    assert sent.status_code == 202, sent.text
    assert await queue(directory, mint("network_admin")) == []
    assert await reports_in_outbox(directory) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "other", "text": "x" * 501}, "text"),
        ({"kind": "other", "text": "call me on 9123 4567 about it"}, "text"),
        ({"kind": "other", "text": "write to someone@example.org"}, "text"),
        ({"kind": "gone-fishing"}, "kind"),
    ],
)
async def test_bad_reports_are_refused_naming_the_field_and_change_nothing(
    directory: Running, mint: Mint, body: dict[str, Any], field: str
) -> None:
    refused = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports", json=body, headers=from_("192.0.2.20")
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"].split(".")[-1] for e in refused.json()["errors"]] == [field]
    assert "9123" not in refused.text and "someone@" not in refused.text
    assert await queue(directory, mint("network_admin")) == []
    assert await reports_in_outbox(directory) == []
    missing = await directory.client.post(
        "/services/no-such-service/reports", json={"kind": "moved"}, headers=from_("192.0.2.20")
    )
    assert missing.status_code == 404, missing.text


async def test_org_admins_work_their_own_reports_and_network_admins_every_one(
    directory: Running, mint: Mint
) -> None:
    sent = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports", json={"kind": "moved"}, headers=from_("192.0.2.30")
    )
    report_id = sent.json()["id"]
    owner = mint("org_admin", org=LEGAL_CLINIC)
    intruder = mint("org_admin", org=COMMUNITY_HEALTH)

    assert [r["id"] for r in await queue(directory, owner)] == [report_id]
    assert await queue(directory, intruder) == []
    refused = await directory.client.post(
        f"/reports/{report_id}/resolve", json={"note": "not ours"}, headers=bearer(intruder)
    )
    assert refused.status_code == 403, refused.text
    worker = await directory.client.post(
        f"/reports/{report_id}/dismiss", headers=bearer(mint("social_worker", org=LEGAL_CLINIC))
    )
    assert worker.status_code == 403, worker.text
    anonymous = await directory.client.get("/reports")
    assert anonymous.status_code == 401, anonymous.text
    assert [r["status"] for r in await queue(directory, mint("network_admin"))] == ["open"]

    resolved = await directory.client.post(
        f"/reports/{report_id}/resolve", json={"note": "New address saved"}, headers=bearer(owner)
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["note"] == "New address saved"
    twice = await directory.client.post(
        f"/reports/{report_id}/dismiss", headers=bearer(mint("network_admin"))
    )
    assert twice.status_code == 409, twice.text
    assert await queue(directory, owner) == []
    [done] = await queue(directory, mint("network_admin"), status="resolved")
    assert done["id"] == report_id
