"""Claimant results say when each listing was last checked, in the page's language."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from harbour_directory.demo import FIXTURES, sample_directory
from tests.conftest import Keys, Mint, Serve, StartService
from tests.web.conftest import Web, start_web

TST_LEGAL = FIXTURES["tst_legal_urdu"]
JORDAN_LEGAL = FIXTURES["jordan_legal_urdu"]
CONFIRM = """
mutation ConfirmListing($serviceId: ID!) {
  confirmListing(serviceId: $serviceId) {
    __typename
    ... on ListingVerification { serviceId assuredDate stale dueOn }
    ... on Problem { code message }
  }
}
"""
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def owner_of(service_id: str) -> str:
    return next(
        str(org["id"])
        for org in sample_directory()
        for service in org["services"]
        if service["id"] == service_id
    )


def sample_date(service_id: str) -> date:
    return next(
        date.fromisoformat(service["assured_date"])
        for org in sample_directory()
        for service in org["services"]
        if service["id"] == service_id
    )


def result_card(page: str, service_id: str) -> str:
    """The text of one result card of a results page."""
    start = page.index(f'data-service-id="{service_id}"')
    return html.unescape(page[start : page.index("</li>", start)])


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def test_results_say_when_a_listing_was_checked_in_english_and_chinese(
    web: Web, mint: Mint
) -> None:
    intruder = mint("org_admin", org=owner_of(FIXTURES["shatin_legal_urdu"]))
    assert owner_of(FIXTURES["shatin_legal_urdu"]) != owner_of(TST_LEGAL)
    refused = await web.stack.data(CONFIRM, {"serviceId": TST_LEGAL}, token=intruder)
    assert refused["confirmListing"]["__typename"] == "Forbidden"

    admin = mint("org_admin", org=owner_of(TST_LEGAL))
    confirmed = (await web.stack.data(CONFIRM, {"serviceId": TST_LEGAL}, token=admin))[
        "confirmListing"
    ]
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Hong_Kong")).date()
    assert confirmed == {
        "__typename": "ListingVerification",
        "serviceId": TST_LEGAL,
        "assuredDate": today.isoformat(),
        "stale": False,
        "dueOn": date.fromordinal(today.toordinal() + 182).isoformat(),
    }

    other = sample_date(JORDAN_LEGAL)
    params = {"need": "legal", "near": "Chungking Mansions", "speaks": "ur", "free": "1"}
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        english = (await client.get("/", params={"lang": "en", **params})).text
        chinese = (await client.get("/", params={"lang": "zh-Hant", **params})).text
    assert f"Checked on {today.day} {MONTHS[today.month - 1]} {today.year}" in result_card(
        english, TST_LEGAL
    )
    assert f"Checked on {other.day} {MONTHS[other.month - 1]} {other.year}" in result_card(
        english, JORDAN_LEGAL
    )
    assert f"資料核對於{today.year}年{today.month}月{today.day}日" in result_card(
        chinese, TST_LEGAL
    )
    assert f"資料核對於{other.year}年{other.month}月{other.day}日" in result_card(
        chinese, JORDAN_LEGAL
    )
