"""A claimant's search in the browser: languages, results, accessibility, weight, no JavaScript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from harbour_directory.demo import FIXTURES
from harbour_web.i18n import LOCALES, Messages
from harbour_web.search import origin_of, read_query
from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import Web, axe_violations, report, screenshot, start_web

PAGE_BUDGET = 150 * 1024  # bytes transferred for the first search page, everything included
WANTED = {FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]}
NOT_WANTED = {  # paid, no Urdu, not legal, too far
    FIXTURES["tst_legal_paid"],
    FIXTURES["tst_legal_english"],
    FIXTURES["tst_clinic_urdu"],
    FIXTURES["shatin_legal_urdu"],
}


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


class Weighed:
    """Counts the bytes a page's loads put on the wire (Chrome's encodedDataLength)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.requests = 0

    def add(self, event: dict[str, Any]) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1


async def weighed_page(context: BrowserContext) -> tuple[Page, Weighed]:
    """A page whose network transfers are counted."""
    page = await context.new_page()
    weight = Weighed()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    cdp.on("Network.loadingFinished", weight.add)
    return page, weight


async def search(page: Page, *, need: str, near: str, speaks: str) -> None:
    """Fills the form as a person would and submits it."""
    await page.locator(f"input[name=need][value='{need}']").check()
    await page.fill("#near", near)
    await page.select_option("#speaks", speaks)
    await page.check("input[name=free]")
    async with page.expect_navigation():
        await page.click("button[type=submit]")


async def found(page: Page) -> list[tuple[str, float]]:
    """(service id, metres) of each result, in the order shown."""
    rows = await page.eval_on_selector_all(
        "li.result", "els => els.map(e => [e.dataset.serviceId, parseFloat(e.dataset.distance)])"
    )
    return [(str(r[0]), float(r[1])) for r in rows]


def check_results(rows: list[tuple[str, float]]) -> None:
    ids = [service for service, _ in rows]
    assert set(ids) >= WANTED, rows
    assert not NOT_WANTED & set(ids), rows
    assert ids[0] == FIXTURES["tst_legal_urdu"]  # the nearest, 240 m away
    distances = [metres for _, metres in rows]
    assert distances == sorted(distances)


async def test_free_legal_help_in_urdu_near_chungking_mansions_in_english_and_chinese(
    web: Web, browser: Browser, axe_script: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    context = await browser.new_context(viewport={"width": 320, "height": 800}, bypass_csp=True)
    try:
        page, first = await weighed_page(context)
        await page.goto(f"{web.url}/?lang=en", wait_until="networkidle")
        landing = first.bytes
        assert await page.get_attribute("html", "lang") == "en"
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "search-en-320")

        # The place box suggests names from the gazetteer as one types (a <datalist>).
        await page.fill("#near", "Chung")
        await page.locator("#places option[value='Chungking Mansions']").wait_for(state="attached")

        await search(page, need="legal", near="Chungking Mansions", speaks="ur")
        await page.wait_for_load_state("networkidle")
        results_bytes = first.bytes - landing
        check_results(await found(page))
        heading = await page.inner_text("#results-heading")
        assert "Chungking Mansions" in heading
        card = page.locator(f"li.result[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        text = await card.inner_text()
        assert "Free" in text and "Urdu" in text and "exit B2" in text and "240 m away" in text
        assert await card.locator("a[href^='tel:+852']").count() >= 1
        assert await card.locator("a[href^='https://wa.me/852']").count() >= 1
        assert await card.locator("a[href^='https://www.openstreetmap.org/?mlat=']").count() == 1
        assert await card.locator("a[href*='/directions?engine=fossgis_osrm_foot']").count() == 1
        assert await card.locator("a[href^='geo:']").count() == 1
        # Readable at 320 px: nothing is wider than the screen.
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "results-en-320")
        assert landing <= PAGE_BUDGET and results_bytes <= PAGE_BUDGET
        figures = {
            "first search page (form, with CSS and script), bytes": landing,
            "results page, bytes": results_bytes,
            "budget, bytes": PAGE_BUDGET,
            "requests": first.requests,
        }

        # The same search in Traditional Chinese, with the Chinese place name.
        await page.goto(f"{web.url}/?lang=zh-Hant")
        assert await page.get_attribute("html", "lang") == "zh-Hant-HK"
        assert await page.inner_text("h1") == "尋找附近的協助"
        await search(page, need="legal", near="重慶大廈", speaks="ur")
        check_results(await found(page))
        assert "重慶大廈" in await page.inner_text("#results-heading")
        assert "免遣返聲請法律諮詢" in await page.inner_text("ol.results")
        assert "烏爾都語" in await page.inner_text("ol.results")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "results-zh-320")
    finally:
        await context.close()
    # Nothing about the searcher reaches a log line: neither the place nor the coordinates.
    logs = capfd.readouterr()
    for secret in ("Chungking", "重慶", "22.296", "114.172"):
        assert secret not in logs.out + logs.err
    with capfd.disabled():
        report(figures)


async def test_the_language_switcher_offers_five_languages_and_urdu_reads_right_to_left(
    web: Web, browser: Browser, axe_script: Path
) -> None:
    context = await browser.new_context(
        viewport={"width": 390, "height": 800}, locale="ur-PK", bypass_csp=True
    )
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/")  # the browser's own language chooses Urdu
        assert await page.get_attribute("html", "lang") == "ur"
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.input_value("#speaks") == "ur"  # Urdu readers most likely want Urdu
        names = await page.locator(".langs a").all_inner_texts()
        assert names == ["English", "繁體中文", "اردو", "বাংলা", "Français"]
        await search(page, need="legal", near="Chungking Mansions", speaks="ur")
        check_results(await found(page))
        assert "اردو" in await page.inner_text("ol.results")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "results-ur")
        for lang, title in (("bn", "আপনার কাছাকাছি সাহায্য খুঁজুন"), ("fr", "Trouver de l")):
            async with page.expect_navigation():
                await page.click(f".langs a[hreflang='{lang}']")
            assert await page.get_attribute("html", "lang") == lang
            assert title in await page.inner_text("h1")
            check_results(await found(page))  # the search is kept across the switch
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "results-fr")
    finally:
        await context.close()


async def test_the_search_works_with_javascript_off(web: Web, browser: Browser) -> None:
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/?lang=en")
        assert await page.locator("#locate").is_hidden()  # "use my location" needs a script
        await search(page, need="legal", near="Chungking Mansions", speaks="ur")
        check_results(await found(page))
        await page.goto(f"{web.url}/?lang=en&near=Nowhere+at+all")
        assert "We do not know the place" in await page.inner_text("#results-heading")
        await screenshot(page, "search-no-javascript")
    finally:
        await context.close()


async def test_use_my_location_searches_around_the_device(web: Web, browser: Browser) -> None:
    context = await browser.new_context(
        geolocation={"latitude": 22.2963, "longitude": 114.1722}, permissions=["geolocation"]
    )
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/?lang=en")
        await page.locator("input[name=need][value='legal']").check()
        await page.select_option("#speaks", "ur")
        await page.check("input[name=free]")
        async with page.expect_navigation():
            await page.click("#locate")
        check_results(await found(page))
        assert "your location" in await page.inner_text("#results-heading")
    finally:
        await context.close()


def test_the_folded_search_says_what_was_asked_in_the_pages_language() -> None:
    query = read_query(
        {"need": "legal", "near": "Chungking Mansions", "speaks": "ur", "free": "1", "open": "1"}
    )
    french = Messages(LOCALES["fr"])
    assert query.summary(french, [("legal", "Aide juridique")]) == [
        "Aide juridique",
        "près de Chungking Mansions",
        "on y parle ourdou",
        "gratuit",
        "ouvert maintenant",
    ]
    around = read_query({"lat": "22.2963", "lng": "114.1722", "order": "quickest"})
    assert around.summary(Messages(LOCALES["en"]), []) == [
        "Any help",
        "near your location",
        "quickest first",
    ]


def test_directions_start_only_from_a_point_the_search_really_used() -> None:
    named: list[dict[str, Any]] = [
        {
            "nameEn": "Chungking Mansions",
            "nameZh": "重慶大廈",
            "latitude": 22.2963,
            "longitude": 114.1722,
        },
        {"nameEn": "Chungking Express Stop", "nameZh": None, "latitude": 1.0, "longitude": 2.0},
    ]
    folded = "\uff23hungking  MANSIONS"  # a full-width C, two spaces, capitals
    assert origin_of(read_query({"near": folded}), named) == (22.2963, 114.1722)
    assert origin_of(read_query({"near": "重慶大廈"}), named) == (22.2963, 114.1722)
    assert origin_of(read_query({"near": "Chungking"}), named) is None  # an alias: not sure which
    assert origin_of(read_query({"lat": "22.3", "lng": "114.17"}), []) == (22.3, 114.17)
    # A typed place wins over coordinates left in the form.
    assert origin_of(read_query({"near": "Nowhere", "lat": "22.3", "lng": "114.17"}), named) is None
