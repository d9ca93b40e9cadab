"""Refer, accept and complete across the two consoles, the referrer's page following live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from harbour_directory.demo import FIXTURES
from harbour_runner.personas import CARE_NETWORK, LEGAL_CLINIC
from tests.conftest import Keys, Mint, Serve, StartService, bearer, eventually
from tests.web.conftest import LIVE, Web, axe_violations, screenshot, sign_in, start_web


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    # PostgreSQL, as in production: two consoles write audit entries at the same moment.
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="postgresql"
    ):
        yield running


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
        await sign_in(web, worker, "/worker", worker_token)
        assert "Social worker (sample)" in await worker.inner_text("#who")

        # Find free legal help in Urdu; refer to the nearest, with the next one as a fallback.
        await worker.select_option("#find-need", "legal")
        await worker.fill("#find-near", "Chungking Mansions")
        await worker.select_option("#find-speaks", "ur")  # listed by name, sent as its code
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
        await worker.get_by_role("checkbox", name="Urdu", exact=True).check()
        # The purpose is the claimant's: nothing is chosen for the worker, and it is required.
        await expect(worker.locator("#purpose")).to_have_value("")
        await worker.select_option("#purpose", "legal")
        await worker.fill("#needs", "Advice before her screening interview.")
        await worker.check("#consented")
        await worker.click("#refer button[type=submit]")
        await expect(worker.locator("#refer-status")).to_contain_text("Sent as", timeout=LIVE)
        await expect(worker.locator("#referral-status")).to_have_text("Sent")
        # "Sent as HR-…"; the detail panel then opens on that referral.
        reference = (await worker.inner_text("#refer-status")).split()[2]
        await expect(worker.locator("#detail-heading")).to_have_text(f"Referral {reference}")
        assert "Detention visits and bail support" in await worker.inner_text("#detail-body")
        # The list tells referrals apart: where each went, when it was sent and when it is due.
        row = worker.locator(f"#sent-rows tr:has(button[aria-label='Open {reference}'])")
        await expect(row).to_contain_text("Kowloon Refuge Law Centre (sample)", timeout=LIVE)
        await expect(row).to_contain_text("Acknowledge by")
        await expect(row.locator("time")).to_have_count(2)
        await expect(worker.locator("#sent-count")).to_have_text("1 referral")
        assert await axe_violations(worker, axe_script) == []
        await screenshot(worker, "worker-sent")

        # The partner sees it arrive in the organisation's inbox and works it through.
        await sign_in(web, partner, "/partner", partner_token)
        await expect(partner.locator("#inbox-count")).to_have_text("1 open referral", timeout=LIVE)
        await partner.get_by_role("button", name=f"Open {reference}").click()
        await expect(partner.locator("#detail-body")).to_contain_text("Amina Rahman")
        # Shared details are labelled fields, and languages are named, not coded.
        shared = partner.locator("#detail-body dl.shared")
        await expect(shared.locator("dt", has_text="Name")).to_be_visible()
        await expect(shared).to_contain_text("Urdu")
        assert "needs_summary" not in await shared.inner_text()
        assert await axe_violations(partner, axe_script) == []
        await partner.get_by_role("button", name="Acknowledge").click()
        await expect(worker.locator("#referral-status")).to_have_text("Received", timeout=LIVE)
        await partner.fill("#assignee", "partner-1")
        await partner.get_by_role("button", name="Accept").click()
        await expect(partner.locator("#referral-status")).to_have_text("Accepted", timeout=LIVE)
        # The referrer's page changes by itself, without a reload.
        await expect(worker.locator("#referral-status")).to_have_text("Accepted", timeout=LIVE)
        await expect(worker.locator("#detail-body")).to_contain_text("Assigned to partner-1")
        await partner.fill("#outcome", "Advice given; claim form lodged.")
        await partner.get_by_role("button", name="Complete").click()
        await expect(worker.locator("#referral-status")).to_have_text("Completed", timeout=LIVE)
        await expect(worker.locator("#detail-body")).to_contain_text(
            "Outcome: Advice given; claim form lodged."
        )
        # The history says each step in words, oldest first.
        await expect(worker.locator("#detail-body .history .step")).to_have_text(
            ["Created", "Sent", "Acknowledged", "Accepted", "Completed"]
        )
        # The partner's page shows the ended referral too, with its shared details withheld.
        await expect(partner.locator("#referral-status")).to_have_text("Completed", timeout=LIVE)
        await expect(partner.locator("#shared")).to_contain_text("no longer available")
        await expect(partner.locator("#notes")).to_have_count(1)
        await expect(partner.locator("#notes")).not_to_be_empty()
        # The inbox's count counts what it says: the completed referral is no longer open.
        await expect(partner.locator("#inbox-count")).to_have_text("0 open referrals", timeout=LIVE)
        await partner.select_option("#inbox-filter", "all")
        await expect(partner.locator("#inbox-count")).to_have_text("1 referral")
        await expect(partner.locator("#inbox-rows")).to_contain_text("Completed")
        # The bell rings for the referrer: acknowledged, accepted, completed.
        await expect(worker.locator("#bell-count")).not_to_have_text("0", timeout=LIVE)
        await worker.click("#bell")
        await expect(worker.locator("#bell-list")).to_contain_text(reference, timeout=LIVE)
        await screenshot(worker, "worker-completed")
        await screenshot(partner, "partner-completed")
    finally:
        await worker_context.close()
        await partner_context.close()
