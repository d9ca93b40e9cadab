"""Claimant data is unreadable at rest and absent from events and logs; the audit log and the
clocks keep their promises across tampering and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from harbour_kit.db import execute
from harbour_referrals.models import metadata
from harbour_referrals.referrals import clocks
from harbour_referrals.runtime import runtime_of
from tests.conftest import Mint, StartService
from tests.referrals.conftest import DETAILS, NEEDS, OTHER_ORG, PARTNER_ORG, World, make_world

SECRETS: list[str] = [
    str(DETAILS["name"]),
    str(DETAILS["phone"]),
    "+85255550199",  # the same number as stored (E.164)
    "55550199",
    "Call after 6pm",
    NEEDS,
    "female lawyer",
    "claim lodged",
]


async def every_cell(world: World) -> str:
    """Every value of every referrals table, as one text."""
    cells: list[str] = []
    async with world.referrals.service.factory() as session:
        for table in metadata.sorted_tables:
            rows = await execute(session, text(f'SELECT * FROM "{table.name}"'))  # noqa: S608
            cells += [str(value) for row in rows for value in row]
    return "\n".join(cells)


async def test_claimant_details_are_encrypted_at_rest_and_kept_out_of_events_and_logs(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    referral = await world.referral(vulnerability_flags=["torture-survivor"])
    path = f"/referrals/{referral['id']}"
    await world.call(
        "POST", path + "/notes", world.worker, json={"body": "She prefers a female lawyer."}
    )
    accepted = (await world.act(referral, "accept", world.partner, assignee="partner-1")).json()
    await world.act(accepted, "complete", world.partner, outcome="Advice given; claim lodged.")
    await world.call("GET", path + "/claimant", world.worker)
    stored = await every_cell(world)
    assert "v1." in stored  # the encrypted tokens are there …
    for secret in SECRETS:
        assert secret not in stored  # … and nothing readable
    async with world.referrals.service.factory() as session:
        events = (await execute(session, text("SELECT data FROM event_outbox"))).scalars().all()
    assert len(events) >= 4
    for secret in [*SECRETS, "torture-survivor"]:
        assert all(secret not in str(event) for event in events)
    logs = capsys.readouterr()
    assert '"event": "request"' in logs.out  # the service did log
    for secret in SECRETS:
        assert secret not in logs.out + logs.err


async def test_tampering_with_the_audit_log_is_detected(world: World) -> None:
    referral = await world.referral()
    await world.act(referral, "acknowledge", world.partner)
    await world.call("GET", f"/referrals/{referral['id']}/claimant", world.partner)
    verified = (await world.call("GET", "/audit/verify", world.admin)).json()
    assert verified == {
        "ok": True,
        "checked": verified["checked"],
        "first_bad_seq": None,
        "problem": None,
    }
    assert verified["checked"] >= 6
    reads = 0
    async with world.referrals.service.factory() as session:
        actions = (
            (await execute(session, text("SELECT action FROM audit_log ORDER BY seq")))
            .scalars()
            .all()
        )
        reads = sum(a == "claimant.read" for a in actions)
    assert reads == 1
    async with world.referrals.service.uow() as session:
        await execute(session, text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3"))
    tampered = (await world.call("GET", "/audit/verify", world.admin)).json()
    assert (tampered["ok"], tampered["first_bad_seq"], tampered["problem"]) == (
        False,
        3,
        "hash-mismatch",
    )
    assert (await world.call("GET", "/audit/verify", world.worker)).status_code == 403


async def test_an_expired_referral_reroutes_to_the_next_candidate_after_a_restart(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    within_an_hour = {"acknowledge_hours": {"routine": 1, "soon": 1, "urgent": 1}}
    first = await start_service("referrals", backend, clock_interval=3600, **within_an_hour)
    world = await make_world(first, mint)
    claimant = await world.claimant()
    await world.consent(claimant, orgs=[PARTNER_ORG, OTHER_ORG])
    referral = await world.referral(
        claimant_id=claimant, candidates=["svc-legal-2"], no_consent=True
    )
    assert referral["status"] == "requested" and referral["acknowledge_by"]
    url = first.service.settings.database_url
    await first.client.aclose()
    await first.service.stop()  # the service goes down before the deadline passes

    # Back with the usual deadlines (days): the replacement's is long after the sweep's `now`.
    second = await start_service("referrals", backend, database_url=url, clock_interval=3600)
    world.referrals = second
    due = datetime.fromisoformat(referral["acknowledge_by"])
    after_deadline = due.replace(tzinfo=due.tzinfo or UTC) + timedelta(minutes=1)
    assert await clocks.sweep(runtime_of(second.service), now=after_deadline) == 1

    sent = (await world.call("GET", "/referrals?box=sent", world.worker)).json()["items"]
    [new] = [r for r in sent if r["replaces_id"] == referral["id"]]
    old = (await world.call("GET", f"/referrals/{referral['id']}", world.worker)).json()
    assert (old["status"], old["business_status"]) == ("cancelled", "expired")
    assert (new["status"], new["link_kind"], new["service_id"]) == (
        "requested",
        "re-route",
        "svc-legal-2",
    )
    assert new["recipient_organization_id"] == OTHER_ORG and new["candidates"] == []
    history = (await world.call("GET", f"/referrals/{referral['id']}", world.worker)).json()[
        "history"
    ]
    assert history[-1]["action"] == "expire" and history[-1]["actor"] == "system:referrals"


async def test_retention_purges_claimant_details_but_keeps_the_history(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from harbour_referrals.network.service import purge

    referral = await world.referral()
    accepted = (await world.act(referral, "accept", world.partner, assignee="partner-1")).json()
    await world.act(accepted, "complete", world.partner, outcome="Advice given; claim lodged.")
    still_open = await world.referral()
    later = datetime.now(UTC) + timedelta(days=400)
    async with world.referrals.service.uow() as session:
        done = await purge(session, retention_days=365, now=later)
    assert done == {"referrals": 1, "claimants": 1}
    path = f"/referrals/{referral['id']}"
    gone = await world.call("GET", path + "/claimant", world.worker)
    assert gone.status_code == 403 and gone.json()["code"] == "purged"
    kept = (await world.call("GET", path, world.worker)).json()
    assert kept["status"] == "completed" and len(kept["history"]) == 4 and kept["outcome"] is None
    shared = await world.call("GET", f"/referrals/{still_open['id']}/claimant", world.partner)
    assert shared.status_code == 200 and shared.json()["shared"]["name"] == DETAILS["name"]
    assert (await world.call("GET", "/audit/verify", world.admin)).json()["ok"] is True
