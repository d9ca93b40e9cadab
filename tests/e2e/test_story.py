"""The whole story through GraphQL only, on PostgreSQL and NATS JetStream.

A claimant finds help; a social worker records consent and refers; the partner acknowledges,
accepts and completes; the referrer follows it live and is notified. Every request goes through
the gateway, with the example documents that GraphiQL and docs/api.md show.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from harbour_directory.demo import FIXTURES
from harbour_directory.seed import seed
from tests.conftest import Keys, Mint, Running, StartService, eventually
from tests.stack import Serve, Stack, example, start_stack, subscriber

REFERRER_ORG = "org-kowloon-casework"
CLAIMANT = {
    "name": "Amina Rahman",
    "phone": "+85255550199",
    "languages": ["ur", "en"],
    "interpreterNeeded": True,
    "safeContact": {"voicemailOk": False, "smsOk": True},
}
NEEDS = "Needs advice before her screening interview on 3 December."


async def _seed(directory: Running) -> None:
    await seed(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(
        start_service, serve, keys, nats_url, namespace, backend="postgresql", seed=_seed
    ) as running:
        yield running


@pytest.mark.postgres
async def test_search_consent_refer_accept_complete_through_graphql_only(
    stack: Stack, mint: Mint
) -> None:
    social = example("social-worker")
    partner_doc = example("partner")

    # 1. A claimant, without an account, searches in their language.
    found = await stack.data(
        example("public-search"),
        {
            "near": "Chungking Mansions",
            "filter": {"categories": ["legal"], "languages": ["ur"], "freeOnly": True},
        },
        operation="NearbyServices",
    )
    first = found["nearbyServices"]["edges"][0]["node"]
    assert first["service"]["id"] in {FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]}
    service_id = first["service"]["id"]
    partner_org = first["service"]["organization"]["id"]

    worker = mint("social_worker", org=REFERRER_ORG, sub="worker-1")
    partner = mint("partner_staff", org=partner_org, sub="partner-1")

    places = await stack.data(example("public-search"), {"prefix": "重慶"}, operation="Places")
    assert any(p["nameEn"] == "Chungking Mansions" for p in places["places"])

    # 2. The social worker records the claimant and their consent.
    recorded = await stack.data(
        social, {"details": CLAIMANT}, token=worker, operation="RecordClaimant"
    )
    claimant_id = recorded["recordClaimant"]["id"]
    consent = await stack.data(
        social,
        {
            "consent": {
                "claimantId": claimant_id,
                "purpose": "legal",
                "receivingOrganizationIds": [partner_org],
                "dataCategories": ["identity", "contact", "languages", "needs"],
                "method": "verbal",
            }
        },
        token=worker,
        operation="RecordConsent",
    )
    assert consent["recordConsent"]["__typename"] == "Consent", consent
    assert consent["recordConsent"]["active"] is True

    # 3. … and sends the referral (the service is known to referrals once its event arrived).
    referral_input = {
        "claimantId": claimant_id,
        "serviceId": service_id,
        "purpose": "legal",
        "urgency": "soon",
        "needsSummary": NEEDS,
        "send": True,
    }

    async def sent() -> dict[str, Any] | None:
        data = await stack.data(
            social,
            {"referral": referral_input, "key": "story-1"},
            token=worker,
            operation="CreateReferral",
        )
        result: dict[str, Any] = data["createReferral"]
        return result if result["__typename"] == "Referral" else None

    referral = await eventually(sent, within=30, interval=0.3)
    assert referral["status"] == "requested"
    again = await stack.data(
        social,
        {"referral": referral_input, "key": "story-1"},
        token=worker,
        operation="CreateReferral",
    )
    assert again["createReferral"]["id"] == referral["id"]  # the same key makes one referral

    async with subscriber(stack.url, worker) as live:
        async with stack.listening(1):  # the subscription listens before the first change
            await live.subscribe(
                "1", example("subscriptions"), {"id": referral["id"]}, operation="ReferralUpdated"
            )

        # 4. The partner finds it in the organisation's inbox and works it through.
        inbox = await stack.data(partner_doc, {}, token=partner, operation="ReferralInbox")
        node = next(e["node"] for e in inbox["inbox"]["edges"] if e["node"]["id"] == referral["id"])
        assert node["referrerOrganization"] is None or node["referrerOrganization"]["name"]
        assert "acknowledge" in node["allowedActions"]
        version = node["version"]
        acknowledged = await stack.data(
            partner_doc,
            {"id": referral["id"], "version": version},
            token=partner,
            operation="Acknowledge",
        )
        assert acknowledged["acknowledgeReferral"]["status"] == "received"
        update = await live.next()
        assert update["payload"]["data"]["referralUpdated"]["status"] == "received"

        accepted = await stack.data(
            partner_doc,
            {
                "id": referral["id"],
                "assignee": "partner-1",
                "version": acknowledged["acknowledgeReferral"]["version"],
            },
            token=partner,
            operation="Accept",
        )
        mutated_at = time.monotonic()
        assert accepted["acceptReferral"]["status"] == "accepted"
        update = await live.next(within=1.0)  # the referrer sees the accept within a second
        assert time.monotonic() - mutated_at < 1.0
        assert update["payload"]["data"]["referralUpdated"]["status"] == "accepted"
        assert update["payload"]["data"]["referralUpdated"]["assignee"] == "partner-1"

    shared = await stack.data(
        partner_doc, {"id": referral["id"]}, token=partner, operation="SharedDetails"
    )
    details = shared["referral"]["sharedDetails"]
    assert details["name"] == "Amina Rahman" and details["needs_summary"] == NEEDS

    completed = await stack.data(
        partner_doc,
        {
            "id": referral["id"],
            "outcome": "Advice given; claim form lodged.",
            "version": accepted["acceptReferral"]["version"],
        },
        token=partner,
        operation="Complete",
    )
    assert completed["completeReferral"]["status"] == "completed"

    # 5. The referrer sees the whole history and is notified; the partner's access has ended.
    mine = await stack.data(social, {"id": referral["id"]}, token=worker, operation="MyReferral")
    story = mine["referral"]
    assert story["status"] == "completed" and story["outcome"] == "Advice given; claim form lodged."
    assert [h["action"] for h in story["history"]] == [
        "create",
        "send",
        "acknowledge",
        "accept",
        "complete",
    ]

    async def notified() -> set[str] | None:
        data = await stack.data(example("signed-in"), {}, token=worker, operation="MyNotifications")
        kinds = {n["kind"] for n in data["notifications"]}
        wanted = {"referral.acknowledged", "referral.accepted", "referral.completed"}
        return kinds if wanted <= kinds else None

    kinds = await eventually(notified, within=20)
    notes = await stack.data(example("signed-in"), {}, token=worker, operation="MyNotifications")
    assert all("Amina" not in n["title"] for n in notes["notifications"])
    assert "referral.completed" in kinds

    admin = mint("network_admin", sub="admin-1")
    figures = await stack.data(
        example("network-admin"), {}, token=admin, operation="NetworkFigures"
    )
    assert "Amina" not in str(figures) and figures["networkFigures"]

    after = await stack.graphql(
        partner_doc, {"id": referral["id"]}, token=partner, operation="SharedDetails"
    )
    assert after["data"]["referral"]["sharedDetails"] is None
    assert after["errors"][0]["extensions"]["code"] == "ACCESS_ENDED"
