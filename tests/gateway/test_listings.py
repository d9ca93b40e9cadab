"""Partners keep their own listings current through the gateway: intake and opening hours."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Keys, Mint, Running, Serve, StartService
from tests.sample import CARE_NETWORK, CLAIM_ADVICE, LEGAL_CLINIC, seed_small
from tests.stack import Stack, start_stack

INTAKE = """mutation($id: ID!, $intake: IntakeInput!) {
  updateIntake(serviceId: $id, intake: $intake) {
    __typename
    ... on Service { acceptingReferrals waitlistWeeks }
    ... on Problem { code message }
    ... on ValidationProblem { fields { field message } }
  }
}"""
HOURS = """mutation($id: ID!, $hours: [OpeningHoursInput!]!) {
  updateOpeningHours(serviceId: $id, hours: $hours) {
    __typename
    ... on Service { openingHours { days opensAt closesAt } }
    ... on Problem { code message }
  }
}"""
READ = """query($id: ID!) {
  service(id: $id) { ... on Service { acceptingReferrals waitlistWeeks openingHours { days } } }
}"""


async def _seed(directory: Running) -> None:
    await seed_small(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as running:
        yield running


async def test_an_org_admin_updates_their_own_intake_and_no_one_elses(
    stack: Stack, mint: Mint
) -> None:
    staff = mint("org_admin", org=LEGAL_CLINIC)
    changed = await stack.data(
        INTAKE,
        {"id": CLAIM_ADVICE, "intake": {"acceptingReferrals": False, "waitlistWeeks": 6}},
        token=staff,
    )
    assert changed["updateIntake"] == {
        "__typename": "Service",
        "acceptingReferrals": False,
        "waitlistWeeks": 6,
    }
    outsider = mint("org_admin", org=CARE_NETWORK)
    refused = await stack.data(
        INTAKE, {"id": CLAIM_ADVICE, "intake": {"acceptingReferrals": True}}, token=outsider
    )
    assert refused["updateIntake"]["__typename"] == "Forbidden"
    bad = await stack.data(
        INTAKE, {"id": CLAIM_ADVICE, "intake": {"waitlistWeeks": -3}}, token=staff
    )
    assert bad["updateIntake"]["__typename"] == "ValidationProblem"
    assert bad["updateIntake"]["fields"][0]["field"].endswith("waitlist_weeks")
    now = await stack.data(READ, {"id": CLAIM_ADVICE})
    assert now["service"] == {
        "acceptingReferrals": False,
        "waitlistWeeks": 6,
        "openingHours": now["service"]["openingHours"],
    }


async def test_an_org_admin_replaces_the_opening_hours(stack: Stack, mint: Mint) -> None:
    admin = mint("org_admin", org=LEGAL_CLINIC)
    hours = [
        {"days": "MO,TU,WE,TH,FR", "opensAt": "09:30", "closesAt": "13:00"},
        {"days": "MO,TU,WE,TH,FR", "opensAt": "14:00", "closesAt": "17:30"},
        {"days": "SA", "opensAt": "10:00", "closesAt": "12:00"},
    ]
    changed = await stack.data(HOURS, {"id": CLAIM_ADVICE, "hours": hours}, token=admin)
    assert changed["updateOpeningHours"]["__typename"] == "Service", changed
    now = await stack.data(READ, {"id": CLAIM_ADVICE})
    assert sorted(h["days"] for h in now["service"]["openingHours"]) == ["MO,TU,WE,TH,FR"] * 2 + [
        "SA"
    ]
    staff = mint("partner_staff", org=LEGAL_CLINIC)
    refused = await stack.graphql(HOURS, {"id": CLAIM_ADVICE, "hours": hours}, token=staff)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
