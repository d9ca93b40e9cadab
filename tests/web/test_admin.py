"""An org admin keeps webhook endpoints, opening hours and intake capacity on the admin console,
in English and in 繁體中文; the page's words are looked up in the console's catalogue."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from harbour_runner.personas import LEGAL_CLINIC
from harbour_web.i18n import PLURAL_FORMS, console_catalogue, plural_rules
from tests.conftest import Keys, Mint, Serve, StartService, eventually
from tests.web.conftest import LIVE, Web, axe_violations, screenshot, sign_in, start_web

HOOK = "https://partner.example/harbour-hooks"
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
COLUMNS = ("event_type", "status", "attempts", "last_attempt", "response", "action")
DESCRIPTIONS = {"en": "Case system, legal team", "zh-Hant": "法律組個案系統"}


class Words:
    """The console's words in one language, as the admin page shows them."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.table = console_catalogue(locale)

    def __call__(self, key: str, **values: object) -> str:
        return self.table[key].format(**values)

    def counted(self, key: str) -> re.Pattern[str]:
        """A pattern matching the message `key` in any of its plural forms, for any count."""
        forms = [key, *(f"{key}_{form}" for form in PLURAL_FORMS if f"{key}_{form}" in self.table)]
        texts = [
            re.escape(self.table[form]).replace(re.escape("{count}"), r"\d+") for form in forms
        ]
        return re.compile("^(" + "|".join(texts) + ")$")

    def plural(self, key: str, count: int) -> str:
        """The form of `key` the language's plural rules ask for (`key_one`; `key` is other)."""
        form = plural_rules(self.locale).plural_form(count)
        chosen = f"{key}_{form}" if f"{key}_{form}" in self.table else key
        return self(chosen, count=count)


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def listings_loaded(page: Page, w: Words) -> None:
    """Waits until the organisation's listings fill the list and both pickers."""
    await expect(page.locator("#listings-status")).to_have_text(
        w.counted("admin_listings_count"), timeout=LIVE
    )
    await expect(page.locator("#listings li").first).to_be_visible()


def hong_kong_clock(iso: str) -> str:
    """A service timestamp (UTC, with or without its offset) as HH:MM on Hong Kong's clock."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return f"{moment.astimezone(HONG_KONG):%H:%M}"


@pytest.mark.parametrize("locale", ["en", "zh-Hant"])
async def test_an_org_admin_adds_a_webhook_sees_its_secret_once_and_keeps_listings(
    web: Web, browser: Browser, mint: Mint, axe_script: Path, locale: str
) -> None:
    w = Words(locale)
    token = mint(
        "org_admin",
        "partner_staff",
        org=LEGAL_CLINIC,
        sub=f"admin-{locale}",
        name="Org admin (sample)",
        locale=locale,
    )
    # Axe is injected into the page, which its content security policy rightly refuses. The
    # browser sits in London: times must still be Hong Kong's.
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, timezone_id="Europe/London"
    )
    try:
        page = await context.new_page()
        await sign_in(web, page, "/admin", token)
        await expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{locale}"))
        await expect(page).to_have_title(f"{w('admin_console')} · Harbour")
        await expect(page.locator("h1")).to_have_text(w("admin_heading"))
        await expect(page.locator(".panel > h2:visible")).to_have_text(
            [
                w("admin_hooks_heading"),
                w("admin_listings_heading"),
                w("admin_hours_heading"),
                w("admin_intake_heading"),
            ]
        )
        await expect(page.locator("#hooks-status")).to_have_text(w("admin_endpoints_none"))

        # Add an endpoint for new referrals only; its secret is shown once, in its own panel.
        await page.get_by_label(w("admin_url_label"), exact=True).fill(HOOK)
        await page.get_by_label(w("admin_description_label")).fill(DESCRIPTIONS[locale])
        await page.get_by_label("referral.received").check()
        await page.get_by_role("button", name=w("admin_add")).click()
        panel = page.locator("#secret-panel")
        await expect(panel).to_be_visible()
        await expect(panel.locator("h3")).to_have_text(w("admin_secret_heading", url=HOOK))
        await expect(panel.locator("strong")).to_have_text(w("admin_secret_once"))
        await expect(page.locator("#hooks-status")).to_have_text(w("admin_added"))
        secret = await page.input_value("#secret-value")
        assert secret.startswith("whsec_")
        endpoint = page.locator("#hooks li")
        await expect(endpoint).to_have_count(1)
        await expect(endpoint).to_contain_text(HOOK)
        await expect(endpoint.locator(".endpoint-description")).to_have_text(DESCRIPTIONS[locale])
        await expect(endpoint).to_contain_text("referral.received")
        await expect(endpoint).to_contain_text(w("admin_enabled"))
        await expect(endpoint).to_contain_text(w("admin_no_delivery"))
        # When it was added, on Hong Kong's clock; the exact instant stays machine-readable.
        added = endpoint.locator(".endpoint-facts time")
        added_at = await added.get_attribute("datetime")
        assert added_at
        await expect(added).to_contain_text(hong_kong_clock(added_at))
        await expect(added).to_have_attribute("title", re.compile(r"\(Asia/Hong_Kong\)$"))
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, f"admin-secret-{locale}")
        await page.get_by_role("button", name=w("admin_secret_done")).click()
        await expect(panel).to_be_hidden()
        assert await page.input_value("#secret-value") == ""
        await expect(page.locator("#hooks-status")).to_have_text(w("admin_secret_cleared"))

        # Disabled, a test message is logged as not sent, with a button to send it again.
        await page.get_by_role("button", name=w("admin_disable_url", url=HOOK)).click()
        await expect(page.locator("#hooks-status")).to_have_text(w("admin_now_disabled"))
        await expect(endpoint).to_have_attribute("data-enabled", "false")
        await expect(endpoint).to_contain_text(w("admin_disabled"))
        await expect(page.get_by_role("button", name=w("admin_enable_url", url=HOOK))).to_have_text(
            w("admin_enable")
        )
        await page.get_by_role("button", name=w("admin_send_test_to", url=HOOK)).click()
        await expect(page.locator("#hooks-status")).to_have_text(w("admin_test_queued"))
        log = page.get_by_role("button", name=w("admin_open_log_of", url=HOOK))

        async def not_sent_shown() -> bool:
            await log.click()
            await expect(page.locator("#log-status")).not_to_have_text(w("loading"))
            return await page.locator("#log-rows tr[data-status=not_sent]").count() == 1

        await eventually(not_sent_shown)
        await expect(page.locator("#log-heading")).to_have_text(w("admin_log_heading"))
        await expect(page.locator("#log-endpoint")).to_have_text(w("admin_log_for", url=HOOK))
        await expect(page.locator("#log-status")).to_have_text(w.plural("admin_log_count", 1))
        await expect(page.locator("#log thead th")).to_have_text(
            [w(f"admin_col_{column}") for column in COLUMNS]
        )
        row = page.locator("#log-rows tr").first
        await expect(row).to_contain_text("webhook.test")
        await expect(row.locator(".status-tag")).to_have_text(w("admin_delivery.not_sent"))
        # The service's reason is in English, and marked so for a screen reader.
        await expect(row.locator(".hint[lang=en]")).to_have_text("endpoint removed or disabled")
        await row.get_by_role("button", name=w("admin_resend_of", type="webhook.test")).click()
        await expect(page.locator("#log-status")).to_have_text(w("admin_resent"))

        # Opening hours and intake capacity of one listing, saved and read back after a reload.
        await listings_loaded(page, w)
        listing = await page.input_value("#hours-listing")
        name = await page.locator("#hours-listing option:checked").inner_text()
        await page.fill("#hours-text", "MO,WE,FR 10:00-16:00\nSA 09:30-12:00")
        await page.get_by_role("button", name=w("admin_save_hours")).click()
        await expect(page.locator("#hours-status")).to_have_text(w("admin_hours_saved", name=name))
        await page.select_option("#intake-listing", listing)
        await page.get_by_label(w("admin_taking_referrals")).check()
        await page.get_by_label(w("admin_waiting_weeks")).fill("5")
        await page.get_by_role("button", name=w("admin_save_capacity")).click()
        await expect(page.locator("#intake-status")).to_have_text(
            w("admin_intake_saved", name=name)
        )

        await page.reload()
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)
        await expect(page.locator("#hooks-status")).to_have_text(
            w.plural("admin_endpoints_count", 1)
        )
        await listings_loaded(page, w)
        await page.select_option("#hours-listing", listing)
        await expect(page.locator("#hours-text")).to_have_value(
            "MO,WE,FR 10:00-16:00\nSA 09:30-12:00"
        )
        await page.select_option("#intake-listing", listing)
        await expect(page.locator("#intake-weeks")).to_have_value("5")
        await expect(page.locator("#intake-accepting")).to_be_checked()
        saved = page.locator(f"#listings li[data-service-id='{listing}']")
        await expect(saved).to_contain_text(
            f"{w('admin_taking')} · {w.plural('admin_wait_weeks', 5)}"
        )
        await expect(saved).to_contain_text("MO,WE,FR 10:00-16:00; SA 09:30-12:00")
        # The secret never comes back: the reloaded page lists the endpoint without it.
        await expect(endpoint).to_contain_text(HOOK)
        assert secret not in await page.content()
        await expect(page.locator("#secret-panel")).to_be_hidden()

        # A line that does not read as hours is refused, naming the line; nothing is saved.
        await page.fill("#hours-text", "weekdays nine to five")
        await page.get_by_role("button", name=w("admin_save_hours")).click()
        await expect(page.locator("#hours-status")).to_have_text(w("admin_hours_line", n=1))
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, f"admin-listings-{locale}")
    finally:
        await context.close()
