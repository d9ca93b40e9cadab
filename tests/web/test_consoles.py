"""Refer, accept and complete across the two consoles, the referrer's page following live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from harbour_directory.demo import FIXTURES
from harbour_runner.personas import CARE_NETWORK, LEGAL_CLINIC
from tests.conftest import Keys, Mint, Serve, StartService, bearer, eventually
from tests.web.conftest import Web, axe_violations, screenshot, start_web

LIVE = 20_000  # ms a page may take to show a change made elsewhere (two busy cores)


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    # PostgreSQL, as in production: two consoles write audit entries at the same moment.
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="postgresql"
    ):
        yield running


async def sign_in(page: Page, url: str, token: str) -> None:
    """Pastes a token into the console's sign-in form."""
    await page.goto(url)
    await page.fill("#token", token)
    await page.click("#signin button[type=submit]")
    await expect(page.locator("#signed-in")).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)


async def known_to_referrals(web: Web, token: str) -> None:
    """Waits until the referrals read model holds the sample services (seeded by events)."""

    async def check() -> bool:
        response = await web.stack.referrals.client.get(
            "/targets", params={"ids": FIXTURES["tst_legal_urdu"]}, headers=bearer(token)
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return bool(items)

    await eventually(check, within=60, interval=0.5)


@pytest.mark.postgres
async def test_refer_accept_complete_across_both_consoles_with_live_status(
    web: Web, browser: Browser, mint: Mint, axe_script: Path
) -> None:
    worker_token = mint(
        "social_worker", org=CARE_NETWORK, sub="worker-1", name="Social worker (sample)"
    )
    partner_token = mint(
        "partner_staff", org=LEGAL_CLINIC, sub="partner-1", name="Partner staff (sample)"
    )
    await known_to_referrals(web, worker_token)
    # Axe is injected into the pages, which their content security policy rightly refuses.
    worker_context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    partner_context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    try:
        worker = await worker_context.new_page()
        partner = await partner_context.new_page()
        await sign_in(worker, f"{web.url}/worker", worker_token)
        assert "Social worker (sample)" in await worker.inner_text("#who")

        # Find free legal help in Urdu; refer to the nearest, with the next one as a fallback.
        await worker.select_option("#find-need", "legal")
        await worker.fill("#find-near", "Chungking Mansions")
        await worker.fill("#find-speaks", "ur")
        await worker.check("#find-search input[name=free]")
        await worker.click("#find-search button[type=submit]")
        first = worker.locator(f"#find-results li[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        await first.get_by_role("button", name="Refer here").click()
        backup = worker.locator(
            f"#find-results li[data-service-id='{FIXTURES['jordan_legal_urdu']}']"
        )
        await backup.get_by_role("button", name="Add as next choice").click()
        await worker.fill("#c-name", "Amina Rahman")
        await worker.fill("#c-phone", "+85255550199")
        await worker.fill("#needs", "Advice before her screening interview.")
        await worker.check("#consented")
        await worker.click("#refer button[type=submit]")
        await expect(worker.locator("#refer-status")).to_contain_text("Sent as", timeout=LIVE)
        await expect(worker.locator("#referral-status")).to_have_text("requested")
        # "Sent as HR-…"; the detail panel then opens on that referral.
        reference = (await worker.inner_text("#refer-status")).split()[2]
        await expect(worker.locator("#detail-heading")).to_have_text(f"Referral {reference}")
        assert "Detention visits and bail support" in await worker.inner_text("#detail-body")
        assert await axe_violations(worker, axe_script) == []
        await screenshot(worker, "worker-sent")

        # The partner sees it arrive in the organisation's inbox and works it through.
        await sign_in(partner, f"{web.url}/partner", partner_token)
        await partner.get_by_role("button", name=f"Open {reference}").click()
        await expect(partner.locator("#detail-body")).to_contain_text("Amina Rahman")
        assert await axe_violations(partner, axe_script) == []
        await partner.get_by_role("button", name="Acknowledge").click()
        await expect(worker.locator("#referral-status")).to_have_text("received", timeout=LIVE)
        await partner.fill("#assignee", "partner-1")
        await partner.get_by_role("button", name="Accept").click()
        await expect(partner.locator("#referral-status")).to_have_text("accepted", timeout=LIVE)
        # The referrer's page changes by itself, without a reload.
        await expect(worker.locator("#referral-status")).to_have_text("accepted", timeout=LIVE)
        await expect(worker.locator("#detail-body")).to_contain_text("Assigned to partner-1")
        await partner.fill("#outcome", "Advice given; claim form lodged.")
        await partner.get_by_role("button", name="Complete").click()
        await expect(worker.locator("#referral-status")).to_have_text("completed", timeout=LIVE)
        await expect(worker.locator("#detail-body")).to_contain_text(
            "Outcome: Advice given; claim form lodged."
        )
        history = await worker.inner_text("#detail-body")
        for step in ("create", "send", "acknowledge", "accept", "complete"):
            assert f"— {step} →" in history
        # The bell rings for the referrer: acknowledged, accepted, completed.
        await expect(worker.locator("#bell-count")).not_to_have_text("0", timeout=LIVE)
        await worker.click("#bell")
        await expect(worker.locator("#bell-list")).to_contain_text(reference, timeout=LIVE)
        await screenshot(worker, "worker-completed")
        await screenshot(partner, "partner-completed")
    finally:
        await worker_context.close()
        await partner_context.close()
