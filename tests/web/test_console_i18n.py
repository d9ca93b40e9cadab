"""The consoles speak the signed-in person's language, and show times in Hong Kong time."""

from __future__ import annotations

import json
import re
import string
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from harbour_directory.demo import FIXTURES
from harbour_kit.contracts.vocabulary import (
    Action,
    CancelReason,
    HoldReason,
    NotificationKind,
    RejectReason,
    Status,
)
from harbour_referrals.referrals.schemas import VulnerabilityFlag
from harbour_runner.personas import CARE_NETWORK
from harbour_web.i18n import CONSOLE, LOCALES, Messages, console_catalogue, plural_rules
from tests.conftest import Keys, Mint, Serve, StartService, bearer, eventually
from tests.web.conftest import LIVE, Web, axe_violations, screenshot, sign_in, start_web

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
WEB = Path(__file__).parents[2] / "web" / "harbour_web"
ENGLISH: dict[str, str] = json.loads((CONSOLE / "en.json").read_text("utf-8"))
CHINESE: dict[str, str] = json.loads((CONSOLE / "zh-Hant.json").read_text("utf-8"))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _base(key: str) -> tuple[str, str]:
    """A key's message and plural form: `count_open_one` is (`count_open`, `one`)."""
    stem, _, form = key.rpartition("_")
    return (stem, form) if form in {"zero", "one", "two", "few", "many"} else (key, "other")


# --- the catalogues ---------------------------------------------------------------------


def test_every_english_console_message_is_in_chinese() -> None:
    """Plural forms Chinese does not have (CLDR gives it `other` only) are the exception."""
    forms = plural_rules("zh-Hant").plural_form.tags | {"other"}
    assert forms == {"other"}
    missing = [key for key in ENGLISH if key not in CHINESE and _base(key)[1] in forms]
    assert missing == []
    assert sorted(set(CHINESE) - set(ENGLISH)) == []


def test_no_console_message_is_empty_or_loses_a_placeholder() -> None:
    for table in (ENGLISH, CHINESE):
        assert [key for key, text in table.items() if not text.strip()] == []
    changed = {
        key: (_placeholders(ENGLISH[key]), _placeholders(text))
        for key, text in CHINESE.items()
        if _placeholders(ENGLISH[_base(key)[0]]) != _placeholders(text)
    }
    assert changed == {}


def test_every_code_the_consoles_show_has_words() -> None:
    """Statuses, history steps, reasons, vulnerabilities and notices are never shown as codes."""
    codes = {
        "status": [s.value for s in Status],
        "action": ["create", *(a.value for a in Action)],
        "business": [r.value for enum in (RejectReason, HoldReason, CancelReason) for r in enum],
        "vulnerability": list(get_args(VulnerabilityFlag)),
        "notice": list(get_args(NotificationKind)),
    }
    wanted = [f"{table}.{code}" for table, values in codes.items() for code in values]
    assert [key for key in wanted if key not in ENGLISH] == []


def test_every_message_the_pages_ask_for_is_in_the_catalogue() -> None:
    """The literal keys in the scripts and templates; computed ones are checked above."""
    scripts = "".join(p.read_text("utf-8") for p in (WEB / "static").glob("*.js"))
    asked = set(re.findall(r"\bt\(\"([a-z_.-]+)\"", scripts))
    asked |= set(re.findall(r"\bplural\(\"([a-z_.-]+)\"", scripts))
    templates = "".join(
        (WEB / "templates" / name).read_text("utf-8")
        for name in (
            "console.html",
            "worker.html",
            "partner.html",
            "referral_detail.html",
            "admin.html",
        )
    )
    asked |= set(re.findall(r"t\.console\([\"']([a-z_.-]+)[\"']\)", templates))
    assert len(asked) > 50
    # A key ending in "_" or "." is a prefix the code completes (`"count_" + filter`).
    literal = {key for key in asked if not key.endswith(("_", "."))}
    assert sorted(key for key in literal if key not in ENGLISH) == []


def test_the_page_data_carries_the_language_its_zone_and_names() -> None:
    page = Messages(LOCALES["zh-Hant"]).console_page()
    assert page["lang"] == "zh-Hant-HK"
    assert page["zone"] == "Asia/Hong_Kong"
    assert page["messages"]["action.send"] == "已發出"
    assert page["languages"]["ur"] == "烏爾都語"
    assert page["categories"]["legal"] == "法律援助"
    # English's `_one` forms never stand in for Chinese, which says every count one way.
    assert "count_open_one" not in console_catalogue("zh-Hant")
    assert Messages(LOCALES["zh-Hant"]).console("referral_reference", reference="R-1") == "轉介 R-1"


# --- a Chinese-speaking worker in the browser -------------------------------------------


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    # SQLite gives timestamps without an offset: the page must still read them as UTC.
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def sent_referral(web: Web, token: str) -> dict[str, Any]:
    """A referral sent through the gateway, as the list and history will show it."""
    service_id = FIXTURES["tst_legal_urdu"]

    async def known() -> bool:
        response = await web.stack.referrals.client.get(
            "/targets", params={"ids": service_id}, headers=bearer(token)
        )
        return bool(response.json()["items"])

    await eventually(known, within=60, interval=0.5)
    org = await web.stack.data(
        "query S($id: ID!) { service(id: $id) { ... on Service { organization { id } } } }",
        {"id": service_id},
        token=token,
    )
    claimant = await web.stack.data(
        "mutation C($d: ClaimantInput!) { recordClaimant(details: $d) {"
        " ... on ClaimantRecorded { id } } }",
        {"d": {"name": "陳小姐", "languages": ["yue", "ur"]}},
        token=token,
    )
    claimant_id = claimant["recordClaimant"]["id"]
    await web.stack.data(
        "mutation S($c: ConsentInput!) { recordConsent(consent: $c) { ... on Consent { id } } }",
        {
            "c": {
                "claimantId": claimant_id,
                "purpose": "legal",
                "receivingOrganizationIds": [org["service"]["organization"]["id"]],
                "dataCategories": ["identity", "languages"],
                "method": "verbal",
            }
        },
        token=token,
    )
    created = await web.stack.data(
        "mutation R($r: ReferralInput!) { createReferral(referral: $r) {"
        " ... on Referral { id reference createdAt history { action at } } } }",
        {
            "r": {
                "claimantId": claimant_id,
                "serviceId": service_id,
                "purpose": "legal",
                "share": ["identity", "languages"],
                "send": True,
            }
        },
        token=token,
    )
    referral: dict[str, Any] = created["createReferral"]
    return referral


def in_hong_kong(iso: str) -> datetime:
    """A service timestamp (UTC, with or without its offset) as Hong Kong's clock reads it."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(HONG_KONG)


async def test_a_chinese_speaking_worker_sees_the_console_in_chinese_with_hong_kong_times(
    web: Web, browser: Browser, mint: Mint, axe_script: Path
) -> None:
    token = mint(
        "social_worker", org=CARE_NETWORK, sub="worker-zh", name="社工 (樣本)", locale="zh-Hant"
    )
    referral = await sent_referral(web, token)
    reference = referral["reference"]
    # The browser asks for Chinese too, and sits in another zone: times must still be Hong Kong's.
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
        locale="zh-HK",
        timezone_id="Europe/London",
    )
    try:
        page = await context.new_page()
        await sign_in(web, page, "/worker", token)
        await expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-HK")
        await expect(page.locator("h1")).to_have_text("轉介申請人")
        await expect(page.locator("#sent-heading")).to_have_text("3. 已發出的轉介")
        await expect(
            page.locator("#find-search").get_by_role("button", name="搜尋")
        ).to_be_visible()
        await expect(page.locator("#sent-rows").locator("..").locator("thead th")).to_have_text(
            ["編號", "轉介至", "發送時間", "限期", "狀態"]
        )
        await expect(page.locator("#purpose option").first).to_have_text("請選擇…")
        await expect(page.get_by_role("checkbox", name="烏爾都語")).to_be_visible()

        # The list: one referral, counted as such; its deadline is days away, said in Chinese.
        await expect(page.locator("#sent-count")).to_have_text("1 宗轉介", timeout=LIVE)
        row = page.locator(f"#sent-rows tr[data-referral-id='{referral['id']}']")
        await expect(row.locator(".status-tag")).to_have_text("已發出")
        await expect(row.locator("td").nth(2).locator(".ago")).to_have_text(
            re.compile(r"^\d+ (日|天|小時)後$")
        )
        await page.select_option("#sent-filter", "ended")
        await expect(page.locator("#sent-count")).to_have_text("0 宗已結束的轉介")
        await expect(page.locator("#sent-rows")).to_have_text("沒有已結束的轉介。")
        await page.select_option("#sent-filter", "open")
        await expect(page.locator("#sent-count")).to_have_text("1 宗進行中的轉介")

        # The referral: its heading, its steps in words, and when they happened in Hong Kong.
        await page.get_by_role("button", name=f"開啟 {reference}").click()
        await expect(page.locator("#detail-heading")).to_have_text(f"轉介 {reference}")
        await expect(page.locator("#referral-status")).to_have_text("已發出")
        steps = page.locator("#detail-body .history .step")
        await expect(steps).to_have_text(["已建立", "已發出"])
        created = in_hong_kong(referral["createdAt"])
        first = page.locator("#detail-body .history time").first
        assert referral["history"][0]["at"] == referral["createdAt"]
        await expect(first).to_have_attribute("datetime", referral["createdAt"])
        await expect(first).to_have_text(f"{created.month}月{created.day}日 {created:%H:%M}")
        await expect(page.locator("#detail-body .history .ago").first).to_have_text(
            re.compile(r"^(現在|\d+ (秒|分鐘)前)$")
        )
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "worker-zh-Hant")
    finally:
        await context.close()
