"""The claimant page shows how long each place takes to reach, and orders by it, without scripts."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from harbour_directory.demo import FIXTURES
from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import Web, screenshot, start_web


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def test_travel_time_on_each_card_and_quickest_first_with_javascript_off(
    web: Web, browser: Browser
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/?lang=en")
        await page.locator("input[name=need][value='legal']").check()
        await page.fill("#near", "Chungking Mansions")
        assert await page.locator("input[name=order][value='nearest']").is_checked()
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        card = page.locator(f"li.result[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        text = await card.inner_text()
        assert "min walk" in text and "240 m away" in text

        # Results come first; the search folds into a summary that opens to change it.
        await page.click("details.asked summary")
        await page.locator("input[name=order][value='quickest']").check()
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        assert "order=quickest" in page.url
        assert await page.locator("input[name=order][value='quickest']").is_checked()
        minutes = [int(m) for m in await page.eval_on_selector_all(
            "li.result", "els => els.map(e => e.dataset.minutes)"
        )]  # fmt: skip
        assert minutes and all(a <= b for a, b in itertools.pairwise(minutes)), minutes
        cards = await page.locator("li.result").all_inner_texts()
        assert any("min by MTR" in c and "Tsuen Wan line" in c for c in cards), cards
        assert all(("min walk" in c) or ("min by" in c) for c in cards)
        assert all(await page.locator("li.result dd.route").all_inner_texts())
        await screenshot(page, "results-quickest-no-javascript")

        # In Chinese, with the station names in Chinese.
        await page.goto(f"{web.url}/?lang=zh-Hant&need=legal&near=尖沙咀&order=quickest")
        cards = await page.locator("li.result").all_inner_texts()
        assert any("乘港鐵約" in c and "乘荃灣綫" in c for c in cards), cards
    finally:
        await context.close()
