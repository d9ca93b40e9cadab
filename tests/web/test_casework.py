"""A day's casework through a real OpenID provider, in English and in 繁體中文.

Two people sign in with PKCE in two browsers; a referral is declined with a reason, re-routed,
forwarded, accepted, held, resumed and completed; the organisation's admin adds a webhook
endpoint and edits a listing's hours; all sign out. The referral consoles' buttons are found by
their words in the console's own catalogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from harbour_directory.demo import FIXTURES
from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import LIVE, Web, axe_violations, screenshot
from tests.web.oidc import block_outside, oidc_sign_in, start_oidc_web

HOOK = "https://partner.example/harbour-hooks"  # never called: disabled before any event
CATALOGUES = Path(__file__).parents[2] / "web" / "harbour_web" / "messages" / "console"


class Words:
    """The console's words in one language, as the pages show them."""

    def __init__(self, locale: str) -> None:
        self.table: dict[str, Any] = json.loads((CATALOGUES / f"{locale}.json").read_text())

    def __call__(self, key: str, **values: str) -> str:
        return str(self.table[key]).format(**values)

    def pattern(self, key: str, name: str, **values: str) -> re.Pattern[str]:
        """A pattern for the message `key` whose `{name}` is captured (other values filled)."""
        marker = "\x00"
        text = re.escape(self(key, **{name: marker}, **values))
        return re.compile("^" + text.replace(re.escape(marker), r"(\S+?)") + "$")


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_oidc_web(
        start_service, serve, keys, nats_url, namespace, backend="postgresql"
    ):
        yield running


async def heading_reference(page: Page, words: Words, other_than: str | None = None) -> str:
    """The reference of the referral the detail panel shows (waiting for a new one)."""
    pattern = words.pattern("referral_reference", "reference")
    heading = page.locator("#detail-heading")
    await expect(heading).to_have_text(pattern, timeout=LIVE)
    if other_than:
        await expect(heading).not_to_have_text(words("referral_reference", reference=other_than))
    found = pattern.match(await heading.inner_text())
    assert found
    return found.group(1)


async def open_in_inbox(page: Page, words: Words, reference: str) -> None:
    """Opens a referral from the partner's inbox once it has arrived."""
    button = page.get_by_role("button", name=words("open_reference", reference=reference))
    await expect(button).to_be_visible(timeout=LIVE)
    await button.click()
    await expect(page.locator("#detail-heading")).to_have_text(
        words("referral_reference", reference=reference), timeout=LIVE
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("locale", "worker_login", "partner_login"),
    [("en", "worker-1", "partner-1"), ("zh-Hant", "worker-zh", "partner-zh")],
)
async def test_a_day_of_casework_signed_in_through_the_provider(
    web: Web,
    browser: Browser,
    axe_script: Path,
    locale: str,
    worker_login: str,
    partner_login: str,
) -> None:
    w = Words(locale)
    # Axe is injected into the pages, which their content security policy rightly refuses.
    options: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}
    worker_context = await browser.new_context(**options, timezone_id="Europe/London")
    partner_context = await browser.new_context(**options)
    admin_context = await browser.new_context(**options)
    try:
        worker, partner = await worker_context.new_page(), await partner_context.new_page()
        stopped = await block_outside(worker) + await block_outside(partner)
        await oidc_sign_in(worker, web.url, "/worker", worker_login)
        await expect(worker.locator("html")).to_have_attribute("lang", re.compile("^(en|zh)"))
        await expect(worker.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)

        # Refer to the nearest free legal help in Urdu, with a second service as next choice.
        await worker.select_option("#find-need", "legal")
        await worker.fill("#find-near", "Chungking Mansions")
        await worker.select_option("#find-speaks", "ur")
        await worker.check("#find-search input[name=free]")
        await worker.click("#find-search button[type=submit]")
        first = worker.locator(f"#find-results li[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        await first.get_by_role("button", name=w("refer_here")).click()
        backup = worker.locator(
            f"#find-results li[data-service-id='{FIXTURES['jordan_legal_urdu']}']"
        )
        await backup.get_by_role("button", name=w("add_next_choice")).click()
        await worker.fill("#c-name", "Amina Rahman")
        await worker.select_option("#purpose", "legal")
        await worker.fill("#needs", "Advice before her screening interview.")
        await worker.check("#consented")
        await worker.click("#refer button[type=submit]")
        first_ref = await heading_reference(worker, w)
        await expect(worker.locator("#referral-status")).to_have_text(w("status.requested"))
        assert await axe_violations(worker, axe_script) == []

        # The partner declines it with a reason.
        await oidc_sign_in(partner, web.url, "/partner", partner_login)
        await expect(partner.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)
        await open_in_inbox(partner, w, first_ref)
        await partner.select_option("#reject-reason", "NO_CAPACITY")
        await partner.fill("#reject-text", "Full until next month.")
        await partner.get_by_role("button", name=w("decline"), exact=True).click()

        # The worker's page shows why, live, and re-routes to the next choice.
        declined = w("with_reason", step=w("status.rejected"), reason=w("business.no-capacity"))
        await expect(worker.locator("#referral-status")).to_have_text(declined, timeout=LIVE)
        await worker.get_by_role("button", name=w("reroute_next")).click()
        second_ref = await heading_reference(worker, w, other_than=first_ref)

        # The partner forwards the re-routed referral to the organisation's other service.
        await open_in_inbox(partner, w, second_ref)
        await partner.fill("#fwd-near", "Chungking Mansions")
        await partner.select_option("#fwd-need", "legal")
        await partner.click("#fwd-search button[type=submit]")
        target = partner.locator(f"#fwd-results li[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        await target.get_by_role("button", name=w("forward_here")).click()
        done = w.pattern("done", "reference", status=w("status.requested"))
        await expect(partner.locator("#detail-status")).to_have_text(done, timeout=LIVE)
        found = done.match(await partner.inner_text("#detail-status"))
        assert found
        third_ref = found.group(1)
        assert third_ref not in {first_ref, second_ref}

        # Accept, start, hold, resume and complete the forwarded one.
        await open_in_inbox(partner, w, third_ref)
        await partner.get_by_role("button", name=w("acknowledge")).click()
        await expect(partner.locator("#referral-status")).to_have_text(
            w("status.received"), timeout=LIVE
        )
        await partner.fill("#assignee", partner_login)
        await partner.get_by_role("button", name=w("accept"), exact=True).click()
        await expect(partner.locator("#referral-status")).to_have_text(
            w("status.accepted"), timeout=LIVE
        )
        await partner.get_by_role("button", name=w("start_work")).click()
        await expect(partner.locator("#referral-status")).to_have_text(
            w("status.in-progress"), timeout=LIVE
        )
        await partner.select_option("#hold-reason", "WAITLISTED")
        await partner.get_by_role("button", name=w("put_on_hold")).click()
        on_hold = w("with_reason", step=w("status.on-hold"), reason=w("business.waitlisted"))
        await expect(partner.locator("#referral-status")).to_have_text(on_hold, timeout=LIVE)
        await partner.get_by_role("button", name=w("resume")).click()
        await expect(partner.locator("#referral-status")).to_have_text(
            w("status.in-progress"), timeout=LIVE
        )
        await partner.fill("#outcome", "Advice given; claim form lodged.")
        await partner.get_by_role("button", name=w("complete"), exact=True).click()
        await expect(partner.locator("#referral-status")).to_have_text(
            w("status.completed"), timeout=LIVE
        )
        assert await axe_violations(partner, axe_script) == []

        # The worker's list shows all three: declined, forwarded on, completed.
        await worker.select_option("#sent-filter", "all")
        row = worker.locator(
            f"#sent-rows tr:has(button[aria-label='{w('open_reference', reference=third_ref)}'])"
        )
        await expect(row).to_contain_text(w("status.completed"), timeout=LIVE)
        # Times are Hong Kong's, whatever the browser's own zone (London here).
        times = await row.locator("time").first.get_attribute("title")
        assert times and ("Hong_Kong" in times or "HKT" in times or "香港" in times)
        await screenshot(worker, f"casework-worker-{locale}")
        await screenshot(partner, f"casework-partner-{locale}")

        # The organisation's admin adds a webhook endpoint and changes a listing's hours.
        admin = await admin_context.new_page()
        stopped += await block_outside(admin)
        await oidc_sign_in(admin, web.url, "/admin", "admin-1")
        await admin.get_by_label("URL", exact=True).fill(HOOK)
        await admin.get_by_label("referral.received").check()
        await admin.get_by_role("button", name="Add endpoint").click()
        await expect(admin.locator("#secret-panel")).to_be_visible()
        secret = await admin.input_value("#secret-value")
        assert secret.startswith("whsec_")
        await admin.get_by_role("button", name="I have stored it").click()
        await admin.get_by_role("button", name=f"Disable {HOOK}").click()
        await expect(admin.locator("#hooks li")).to_contain_text("Disabled")
        await expect(admin.locator("#listings li").first).to_be_visible(timeout=LIVE)
        listing = await admin.input_value("#hours-listing")
        await admin.fill("#hours-text", "MO,TU,WE 09:30-17:30")
        await admin.get_by_role("button", name="Save hours").click()
        await expect(admin.locator("#hours-status")).to_contain_text("Opening hours saved")
        await admin.reload()
        await expect(admin.locator("#listings li").first).to_be_visible(timeout=LIVE)
        await admin.select_option("#hours-listing", listing)
        await expect(admin.locator("#hours-text")).to_have_value("MO,TU,WE 09:30-17:30")
        assert secret not in await admin.content()
        assert await axe_violations(admin, axe_script) == []

        # No token anywhere in the browsers; one HttpOnly, Secure, SameSite cookie each.
        pages = ((worker_context, worker), (partner_context, partner), (admin_context, admin))
        for context, page in pages:
            (cookie,) = [c for c in await context.cookies() if c["name"] == "harbour_session"]
            assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
            assert await page.evaluate(
                "() => [localStorage.length, sessionStorage.length, document.cookie]"
            ) == [0, 0, ""]
        for session in web.auth.store._sessions.values():
            for _, page in pages:
                assert session.access_token not in await page.content()

        # All sign out at the provider.
        for _, page in pages:
            await page.click("#signout")
            await page.click("button[name=logout]")
            await expect(page).to_have_url(web.url + "/")
        assert len(web.auth.store) == 0
        assert stopped == []
    finally:
        for context in (worker_context, partner_context, admin_context):
            await context.close()
