"""An org admin keeps webhook endpoints, opening hours and intake capacity on the admin console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from harbour_runner.personas import LEGAL_CLINIC
from tests.conftest import Keys, Mint, Serve, StartService, eventually
from tests.web.conftest import LIVE, Web, axe_violations, screenshot, sign_in, start_web

HOOK = "https://partner.example/harbour-hooks"


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def listings_loaded(page: Page) -> None:
    """Waits until the organisation's listings fill the list and both pickers."""
    await expect(page.locator("#listings-status")).to_contain_text("listing", timeout=LIVE)
    await expect(page.locator("#listings li").first).to_be_visible()


async def test_an_org_admin_adds_a_webhook_sees_its_secret_once_and_keeps_listings(
    web: Web, browser: Browser, mint: Mint, axe_script: Path
) -> None:
    token = mint(
        "org_admin", "partner_staff", org=LEGAL_CLINIC, sub="admin-1", name="Org admin (sample)"
    )
    # Axe is injected into the page, which its content security policy rightly refuses.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = await context.new_page()
        await sign_in(web, page, "/admin", token)
        await expect(page.locator("#hooks-status")).to_have_text("No webhook endpoints yet.")

        # Add an endpoint for new referrals only; its secret is shown once, in its own panel.
        await page.get_by_label("URL", exact=True).fill(HOOK)
        await page.get_by_label("referral.received").check()
        await page.get_by_role("button", name="Add endpoint").click()
        await expect(page.locator("#secret-panel")).to_be_visible()
        await expect(page.locator("#secret-panel")).to_contain_text("it will not be shown again")
        await expect(page.locator("#hooks-status")).to_contain_text("will not be shown again")
        secret = await page.input_value("#secret-value")
        assert secret.startswith("whsec_")
        endpoint = page.locator("#hooks li")
        await expect(endpoint).to_have_count(1)
        await expect(endpoint).to_contain_text(HOOK)
        await expect(endpoint).to_contain_text("referral.received")
        await expect(endpoint).to_contain_text("Enabled")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "admin-secret")
        await page.get_by_role("button", name="I have stored it").click()
        await expect(page.locator("#secret-panel")).to_be_hidden()
        assert await page.input_value("#secret-value") == ""

        # Disabled, a test message is logged as not sent, with a button to send it again.
        await page.get_by_role("button", name=f"Disable {HOOK}").click()
        await expect(page.locator("#hooks-status")).to_contain_text("Endpoint disabled")
        await expect(endpoint).to_have_attribute("data-enabled", "false")
        await expect(endpoint).to_contain_text("Disabled")
        await page.get_by_role("button", name=f"Send a test to {HOOK}").click()
        await expect(page.locator("#hooks-status")).to_contain_text("Test message queued")
        log = page.get_by_role("button", name=f"Delivery log of {HOOK}")

        async def not_sent_shown() -> bool:
            await log.click()
            await expect(page.locator("#log-status")).not_to_have_text("Loading…")
            return await page.locator("#log-rows tr[data-status=not_sent]").count() == 1

        await eventually(not_sent_shown)
        row = page.locator("#log-rows tr").first
        await expect(row).to_contain_text("webhook.test")
        await expect(row).to_contain_text("endpoint removed or disabled")
        await row.get_by_role("button", name="Re-send webhook.test delivery").click()
        await expect(page.locator("#log-status")).to_have_text("Queued again.")

        # Opening hours and intake capacity of one listing, saved and read back after a reload.
        await listings_loaded(page)
        listing = await page.input_value("#hours-listing")
        await page.fill("#hours-text", "MO,WE,FR 10:00-16:00\nSA 09:30-12:00")
        await page.get_by_role("button", name="Save hours").click()
        await expect(page.locator("#hours-status")).to_contain_text("Opening hours saved")
        await page.select_option("#intake-listing", listing)
        await page.check("#intake-accepting")
        await page.fill("#intake-weeks", "5")
        await page.get_by_role("button", name="Save capacity").click()
        await expect(page.locator("#intake-status")).to_contain_text("Intake capacity saved")

        await page.reload()
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)
        await listings_loaded(page)
        await page.select_option("#hours-listing", listing)
        await expect(page.locator("#hours-text")).to_have_value(
            "MO,WE,FR 10:00-16:00\nSA 09:30-12:00"
        )
        await page.select_option("#intake-listing", listing)
        await expect(page.locator("#intake-weeks")).to_have_value("5")
        await expect(page.locator("#intake-accepting")).to_be_checked()
        saved = page.locator(f"#listings li[data-service-id='{listing}']")
        await expect(saved).to_contain_text("taking referrals · about 5 weeks' wait")
        await expect(saved).to_contain_text("MO,WE,FR 10:00-16:00; SA 09:30-12:00")
        # The secret never comes back: the reloaded page lists the endpoint without it.
        await expect(endpoint).to_contain_text(HOOK)
        assert secret not in await page.content()
        await expect(page.locator("#secret-panel")).to_be_hidden()

        # A line that does not read as hours is refused, naming the line; nothing is saved.
        await page.fill("#hours-text", "weekdays nine to five")
        await page.get_by_role("button", name="Save hours").click()
        await expect(page.locator("#hours-status")).to_contain_text("Line 1:")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "admin-listings")
    finally:
        await context.close()
