"""Referrals through the gateway: typed results, no N+1 downstream, live subscriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import Keys, Mint, Running, Serve, StartService, eventually
from tests.sample import CARE_NETWORK, CASEWORK, CLAIM_ADVICE, LEGAL_CLINIC, seed_small
from tests.stack import Stack, example, start_stack, subscriber

REFERRER = "org-referrer"
SOCIAL = example("social-worker")
PARTNER = example("partner")


async def _seed(directory: Running) -> None:
    await seed_small(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as running:
        yield running


async def refer(
    stack: Stack, worker: str, *, to: str = CLAIM_ADVICE, org: str = LEGAL_CLINIC
) -> dict[str, Any]:
    """One claimant, their consent and a referral sent to `to`, through GraphQL."""
    recorded = await stack.data(
        SOCIAL, {"details": {"name": "A. Client"}}, token=worker, operation="RecordClaimant"
    )
    claimant = recorded["recordClaimant"]["id"]
    await stack.data(
        SOCIAL,
        {
            "consent": {
                "claimantId": claimant,
                "purpose": "legal",
                "receivingOrganizationIds": [org],
                "dataCategories": ["identity", "needs"],
                "method": "written",
            }
        },
        token=worker,
        operation="RecordConsent",
    )
    body = {
        "claimantId": claimant,
        "serviceId": to,
        "purpose": "legal",
        "send": True,
        "share": ["identity", "needs"],
    }

    async def sent() -> dict[str, Any] | None:
        data = await stack.data(
            SOCIAL, {"referral": body}, token=worker, operation="CreateReferral"
        )
        result: dict[str, Any] = data["createReferral"]
        return result if result["__typename"] == "Referral" else None

    referral: dict[str, Any] = await eventually(sent, within=20, interval=0.2)
    return referral


def errors_in(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The GraphQL errors a graphql-transport-ws message carries (`next` or `error`)."""
    assert message["type"] in {"next", "error"}, message
    payload = message["payload"]
    errors: list[dict[str, Any]] = payload["errors"] if message["type"] == "next" else payload
    return errors


async def test_a_twenty_referral_inbox_costs_one_call_per_service_not_per_row(
    stack: Stack, mint: Mint
) -> None:
    worker = mint("social_worker", org=REFERRER)
    partner = mint("partner_staff", org=LEGAL_CLINIC)
    for _ in range(20):
        await refer(stack, worker)
    query = """{
      inbox(first: 20) {
        edges { node {
          reference status
          service { name acceptingReferrals organization { name } }
          recipientOrganization { name }
          referrerOrganization { name }
        } }
      }
    }"""
    before = await stack.downstream_calls()
    data = await stack.data(query, token=partner)
    after = await stack.downstream_calls()
    edges = data["inbox"]["edges"]
    assert len(edges) == 20
    assert all(e["node"]["service"]["name"] == "Non-refoulement claim advice" for e in edges)
    assert all(e["node"]["recipientOrganization"]["name"] == "Kowloon Legal Clinic" for e in edges)
    calls = {
        k: after.get(k, 0) - before.get(k, 0) for k in ("directory", "referrals", "notifications")
    }
    # One inbox page; one batch of services; one batch of organisations (both sides, all rows).
    assert calls == {"directory": 2, "referrals": 1, "notifications": 0}


async def test_another_organisation_gets_a_typed_forbidden_and_no_details(
    stack: Stack, mint: Mint
) -> None:
    worker = mint("social_worker", org=REFERRER)
    referral = await refer(stack, worker)
    outsider = mint("partner_staff", org=CARE_NETWORK)
    seen = await stack.data(SOCIAL, {"id": referral["id"]}, token=outsider, operation="MyReferral")
    assert seen["referral"]["__typename"] == "Forbidden"
    missing = await stack.data(
        SOCIAL, {"id": "no-such-referral"}, token=outsider, operation="MyReferral"
    )
    assert missing["referral"] == seen["referral"]  # existence is not revealed
    accept = await stack.data(
        PARTNER, {"id": referral["id"], "assignee": "x"}, token=outsider, operation="Accept"
    )
    assert accept["acceptReferral"]["__typename"] == "Forbidden"
    inbox = await stack.data(PARTNER, {}, token=outsider, operation="ReferralInbox")
    assert inbox["inbox"]["edges"] == []


async def test_conflicts_and_bad_input_are_typed_results_that_change_nothing(
    stack: Stack, mint: Mint
) -> None:
    worker = mint("social_worker", org=REFERRER)
    partner = mint("partner_staff", org=LEGAL_CLINIC)
    referral = await refer(stack, worker)
    stale = await stack.data(
        PARTNER, {"id": referral["id"], "version": 1}, token=partner, operation="Acknowledge"
    )
    assert stale["acknowledgeReferral"]["__typename"] == "Conflict"
    assert stale["acknowledgeReferral"]["code"] == "version-conflict"
    declined = await stack.graphql(
        PARTNER, {"id": referral["id"], "reason": "BORED"}, token=partner, operation="Decline"
    )
    assert "RejectReason" in declined["errors"][0]["message"]
    consent = await stack.data(
        SOCIAL,
        {
            "consent": {
                "claimantId": "nobody",
                "purpose": "legal",
                "dataCategories": [],
                "method": "smoke",
            }
        },
        token=worker,
        operation="RecordConsent",
    )
    assert consent["recordConsent"]["__typename"] in {"ValidationProblem", "NotFound"}
    recorded = await stack.data(
        SOCIAL, {"details": {"name": "B"}}, token=worker, operation="RecordClaimant"
    )
    no_consent = await stack.data(
        SOCIAL,
        {
            "referral": {
                "claimantId": recorded["recordClaimant"]["id"],
                "serviceId": CLAIM_ADVICE,
                "purpose": "legal",
                "send": True,
            }
        },
        token=worker,
        operation="CreateReferral",
    )
    assert no_consent["createReferral"]["__typename"] == "ConsentMissing"
    mine = await stack.data(SOCIAL, {"id": referral["id"]}, token=worker, operation="MyReferral")
    assert (
        mine["referral"]["status"] == "requested"
        and mine["referral"]["version"] == referral["version"]
    )


async def test_subscribers_see_changes_live_and_only_their_own(stack: Stack, mint: Mint) -> None:
    worker = mint("social_worker", org=REFERRER)
    partner = mint("partner_staff", org=LEGAL_CLINIC)
    other_partner = mint("partner_staff", org=CARE_NETWORK)
    subscriptions = example("subscriptions")
    async with (
        subscriber(stack.url, partner) as mine,
        subscriber(stack.url, other_partner) as theirs,
    ):
        async with stack.listening(3):
            await mine.subscribe("inbox", subscriptions, {}, operation="InboxChanged")
            await mine.subscribe("bell", subscriptions, {}, operation="NotificationReceived")
            await theirs.subscribe("inbox", subscriptions, {}, operation="InboxChanged")
        referral = await refer(stack, worker)
        got: dict[str, dict[str, Any]] = {}
        while len(got) < 2:
            message = await mine.next(within=10)
            assert message["type"] == "next", message
            got[message["id"]] = message["payload"]["data"]
        assert got["inbox"]["inboxChanged"]["referralId"] == referral["id"]
        assert got["inbox"]["inboxChanged"]["status"] == "requested"
        bell = got["bell"]["notificationReceived"]
        assert bell["kind"] == "referral.received" and bell["reference"] == referral["reference"]
        # Another organisation hears nothing of it: the first thing it hears is a later referral.
        marker = await refer(stack, worker, to=CASEWORK, org=CARE_NETWORK)
        heard = await theirs.next(within=10)
        assert heard["payload"]["data"]["inboxChanged"]["referralId"] == marker["id"]

        await theirs.subscribe(
            "peek", subscriptions, {"id": referral["id"]}, operation="ReferralUpdated"
        )
        refused = await theirs.next()
        assert (
            refused["id"] == "peek" and errors_in(refused)[0]["extensions"]["code"] == "FORBIDDEN"
        )


async def test_a_subscription_needs_a_token_and_ends_when_it_expires(
    stack: Stack, mint: Mint
) -> None:
    subscriptions = example("subscriptions")
    async with subscriber(stack.url, None) as public:
        await public.subscribe("1", subscriptions, {}, operation="InboxChanged")
        refused = await public.next()
        assert errors_in(refused)[0]["extensions"]["code"] == "UNAUTHENTICATED"
    short = mint("partner_staff", org=LEGAL_CLINIC, ttl_seconds=2)
    async with subscriber(stack.url, short) as client:
        await client.subscribe("1", subscriptions, {}, operation="InboxChanged")
        ended = await client.next(within=10)
        assert errors_in(ended)[0]["extensions"]["code"] == "TOKEN_EXPIRED"


async def test_notes_thread_and_consent_withdrawal_through_graphql(
    stack: Stack, mint: Mint
) -> None:
    worker = mint("social_worker", org=REFERRER)
    partner = mint("partner_staff", org=LEGAL_CLINIC)
    referral = await refer(stack, worker)
    note = """mutation($id: ID!, $body: String!) {
      addReferralNote(id: $id, body: $body) { __typename ... on Note { id body } }
    }"""
    added = await stack.data(
        note, {"id": referral["id"], "body": "Can she come on Thursday?"}, token=partner
    )
    assert added["addReferralNote"]["__typename"] == "Note"
    thread = await stack.data(
        "query($id: ID!) { referral(id: $id) "
        "{ ... on Referral { consentId notes { body authorOrganizationId } } } }",
        {"id": referral["id"]},
        token=worker,
    )
    assert thread["referral"]["notes"] == [
        {"body": "Can she come on Thursday?", "authorOrganizationId": LEGAL_CLINIC}
    ]
    withdraw = """mutation($id: ID!) {
      withdrawConsent(id: $id) { __typename ... on Consent { active withdrawnAt } }
    }"""
    withdrawn = await stack.data(withdraw, {"id": thread["referral"]["consentId"]}, token=worker)
    assert withdrawn["withdrawConsent"]["active"] is False
    mine = await stack.data(SOCIAL, {"id": referral["id"]}, token=worker, operation="MyReferral")
    assert (mine["referral"]["status"], mine["referral"]["businessStatus"]) == (
        "cancelled",
        "consent-withdrawn",
    )
    gone = await stack.graphql(
        PARTNER, {"id": referral["id"]}, token=partner, operation="SharedDetails"
    )
    assert gone["errors"][0]["extensions"]["code"] == "ACCESS_ENDED"


async def test_preferences_can_be_changed_but_not_the_mandatory_ones(
    stack: Stack, mint: Mint
) -> None:
    partner = mint("partner_staff", org=LEGAL_CLINIC, sub="staff-7")
    change = """mutation($prefs: [PreferenceInput!]!) {
      updateMyPreferences(preferences: $prefs) {
        __typename
        ... on Preferences { items { kind channel enabled mandatory } }
        ... on ValidationProblem { fields { field message } }
      }
    }"""
    off = await stack.data(
        change,
        {"prefs": [{"kind": "referral.cancelled", "channel": "email", "enabled": False}]},
        token=partner,
    )
    items = off["updateMyPreferences"]["items"]
    assert {
        "kind": "referral.cancelled",
        "channel": "email",
        "enabled": False,
        "mandatory": False,
    } in items
    refused = await stack.data(
        change,
        {"prefs": [{"kind": "referral.received", "channel": "inbox", "enabled": False}]},
        token=partner,
    )
    assert refused["updateMyPreferences"]["__typename"] == "ValidationProblem"
    assert refused["updateMyPreferences"]["fields"][0]["field"] == "[0].enabled"
    profile = await stack.data(
        'mutation { updateMyProfile(profile: {email: "staff7@partner.example", locale: "zh-Hant"}) '
        "{ __typename ... on Profile { email locale } } }",
        token=partner,
    )
    assert profile["updateMyProfile"] == {
        "__typename": "Profile",
        "email": "staff7@partner.example",
        "locale": "zh-Hant",
    }
