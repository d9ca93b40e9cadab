"""A busy office: every write path of referrals with parallel requests, on SQLite and PostgreSQL.

Each audited request appends to one hash chain; on SQLite the write lock is taken before the
chain's last link is read, so parallel requests never collide, and the chain verifies after.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from tests.referrals.conftest import DETAILS, LEGAL, NEEDS, PARTNER_ORG, World

PARALLEL = 20


async def _all(calls: list[Any]) -> list[Any]:
    return list(await asyncio.gather(*calls))


async def _chain_ok(world: World) -> dict[str, Any]:
    verified = await world.call("GET", "/audit/verify", world.admin)
    assert verified.status_code == 200, verified.text
    result: dict[str, Any] = verified.json()
    assert result["ok"] is True, result
    return result


async def test_parallel_claimants_consents_notes_and_audited_reads_all_succeed(
    world: World,
) -> None:
    recorded = await _all(
        [world.call("POST", "/claimants", world.worker, json=DETAILS) for _ in range(PARALLEL)]
    )
    assert Counter(r.status_code for r in recorded) == {201: PARALLEL}, [
        r.text for r in recorded if r.status_code != 201
    ]
    claimants = [r.json()["id"] for r in recorded]
    body = {
        "purpose": "legal",
        "receiving_organization_ids": [PARTNER_ORG],
        "data_categories": ["identity", "contact", "languages", "needs"],
        "method": "verbal",
    }
    consents = await _all(
        [
            world.call("POST", "/consents", world.worker, json={**body, "claimant_id": c})
            for c in claimants
        ]
    )
    assert Counter(r.status_code for r in consents) == {201: PARALLEL}

    referral = await world.referral(claimant_id=claimants[0])
    path = f"/referrals/{referral['id']}"
    notes = await _all(
        [
            world.call(
                "POST",
                f"{path}/notes",
                world.worker if i % 2 else world.partner,
                json={"body": f"note {i}"},
            )
            for i in range(PARALLEL)
        ]
    )
    assert Counter(r.status_code for r in notes) == {201: PARALLEL}
    reads = await _all(
        [world.call("GET", f"{path}/claimant", world.partner) for _ in range(PARALLEL)]
    )
    assert Counter(r.status_code for r in reads) == {200: PARALLEL}
    listed = await world.call("GET", f"{path}/notes", world.partner)
    assert len(listed.json()["items"]) == PARALLEL
    # Claimants, consents, the referral's steps, notes and reads: each one link of the chain.
    assert (await _chain_ok(world))["checked"] >= 4 * PARALLEL + 2


async def test_same_key_creates_racing_make_one_referral_each(world: World) -> None:
    pairs = 10
    claimants = [await world.claimant() for _ in range(pairs)]
    for claimant in claimants:
        await world.consent(claimant)

    async def create(index: int) -> Any:
        body = {
            "claimant_id": claimants[index],
            "service_id": LEGAL,
            "purpose": "legal",
            "needs_summary": NEEDS,
            "send": True,
        }
        headers = {**world.worker, "Idempotency-Key": f"race-{index}"}
        return await world.call("POST", "/referrals", headers, json=body)

    answers = await _all([create(i) for i in range(pairs) for _ in range(2)])
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    by_pair = [answers[2 * i : 2 * i + 2] for i in range(pairs)]
    for first, second in by_pair:
        assert sorted((first.status_code, second.status_code)) == [200, 201]
        assert first.json()["id"] == second.json()["id"]
    sent = await world.call("GET", "/referrals?box=sent&limit=200", world.worker)
    ids = [r["id"] for r in sent.json()["items"]]
    assert len(ids) == len(set(ids)) == pairs
    await _chain_ok(world)
