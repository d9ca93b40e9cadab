"""A claimant reports a wrong listing without JavaScript; a network admin resolves the report on
/moderation and reverts an organisation admin's edit from the listing's change history."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from harbour_web.i18n import catalogue, console_catalogue
from tests.conftest import Keys, Mint, Serve, StartService, bearer
from tests.web.conftest import LIVE, Web, axe_violations, sign_in, start_web

WORDS = catalogue("en")
CONSOLE = console_catalogue("en")


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def edit_hours(web: Web, token: str, service_id: str, closes_at: str) -> dict[str, Any]:
    """Saves the listing's weekday hours as its organisation's admin would."""
    directory = web.stack.directory.client
    document: dict[str, Any] = (await directory.get(f"/services/{service_id}")).json()
    document["schedules"] = [
        {
            "id": "0b5e1f4a-3c2d-4e6f-8a9b-0c1d2e3f4a5b",
            "service_id": service_id,
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR",
            "opens_at": "10:00",
            "closes_at": closes_at,
        }
    ]
    saved = await directory.put(f"/services/{service_id}", json=document, headers=bearer(token))
    assert saved.status_code == 200, saved.text
    return document


async def test_a_report_sent_without_javascript_is_resolved_and_an_edit_reverted_on_moderation(
    web: Web, browser: Browser, mint: Mint, axe_script: Path
) -> None:
    # The claimant: JavaScript off, a plain form, a thank-you page.
    claimant = await browser.new_context(java_script_enabled=False)
    try:
        page = await claimant.new_page()
        await page.goto(f"{web.url}/?near=Chungking+Mansions&lang=en")
        card = page.locator("li.result").first
        service_id = await card.get_attribute("data-service-id")
        assert service_id
        name = (await card.locator("h3").inner_text()).strip()
        await card.get_by_role("link", name=re.compile(WORDS["report_link"])).click()
        await expect(page.locator("h1")).to_have_text(WORDS["report_title"].format(name=name))
        await page.get_by_label(WORDS["report_kind_phone-wrong"]).check()
        await page.get_by_label(WORDS["report_text_label"]).fill("The line rings a restaurant")
        await page.get_by_role("button", name=WORDS["report_send"]).click()
        await expect(page.locator(".thanks")).to_have_text(WORDS["report_thanks"])
    finally:
        await claimant.close()

    # The form passes axe (axe runs as a script, so this look has JavaScript on).
    looker = await browser.new_context(bypass_csp=True)
    try:
        page = await looker.new_page()
        await page.goto(f"{web.url}/report/{service_id}?lang=zh-Hant")
        await expect(page.locator("form.report")).to_be_visible()
        assert await axe_violations(page, axe_script) == []
    finally:
        await looker.close()

    # The listing's organisation admin changes its hours: the history records it.
    owner_org = (await web.stack.directory.client.get(f"/services/{service_id}")).json()[
        "organization_id"
    ]
    before = (await web.stack.directory.client.get(f"/services/{service_id}")).json()
    await edit_hours(
        web, mint("org_admin", org=owner_org, sub="listing-keeper"), service_id, "12:00"
    )

    moderator = mint("network_admin", org=owner_org, sub="moderator", name="Mo Derator")
    context = await browser.new_context(bypass_csp=True)
    try:
        page = await context.new_page()
        await sign_in(web, page, "/moderation", moderator)
        row = page.locator("#reports-rows tr").filter(has_text="The line rings a restaurant")
        await expect(row).to_have_count(1, timeout=LIVE)
        await expect(row).to_contain_text(name)
        await expect(row).to_contain_text(CONSOLE["report_kind.phone-wrong"])
        assert await axe_violations(page, axe_script) == []

        await row.get_by_role("textbox").fill("Number corrected with the provider")
        await row.get_by_role("button", name=re.compile("^Resolve")).click()
        await expect(page.locator("#reports-status")).to_have_text(
            CONSOLE["moderation_resolved"].format(name=name), timeout=LIVE
        )
        await expect(row).to_have_count(0)
        await page.locator("#reports-filter").select_option("resolved")
        await expect(
            page.locator("#reports-rows tr").filter(has_text="Number corrected with the provider")
        ).to_have_count(1, timeout=LIVE)

        await page.get_by_label(CONSOLE["moderation_listing_label"]).fill(service_id)
        await page.get_by_role("button", name=CONSOLE["moderation_show_history"]).click()
        edit = page.locator("#history-changes li[data-action='edit']")
        await expect(edit).to_have_count(1, timeout=LIVE)
        await expect(edit).to_contain_text("listing-keeper")
        await expect(edit).to_contain_text("schedules")
        await edit.get_by_role("button", name=CONSOLE["moderation_revert"]).click()
        await expect(page.locator("#history-status")).to_have_text(
            CONSOLE["moderation_reverted"], timeout=LIVE
        )
        await expect(page.locator("#history-changes li[data-action='revert']")).to_contain_text(
            "moderator"
        )
    finally:
        await context.close()

    after = (await web.stack.directory.client.get(f"/services/{service_id}")).json()
    assert after.get("schedules") == before.get("schedules")
