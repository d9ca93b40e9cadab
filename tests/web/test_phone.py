"""The claimant's search on a phone: results first, Urdu set to be read, walking directions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from harbour_directory.demo import FIXTURES, sample_directory
from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import Web, axe_violations, screenshot, start_web
from tests.web.test_search import check_results, found, search

PHONE: ViewportSize = {"width": 390, "height": 844}
CHUNGKING = "22.29630,114.17220"  # the gazetteer's point for Chungking Mansions
OSM_FOOT = "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route="
SEARCH = "need=legal&near=Chungking+Mansions&speaks=ur&free=1"

# Text whose ink (measured glyph by glyph on a canvas, in its own font) leaves its line, crosses
# the border of a box drawn around it or the rule under the bar; boxes narrower than their text.
CRAMPED = """() => {
  const problems = [];
  const pen = document.createElement('canvas').getContext('2d');
  const rule = document.querySelector('header.bar').getBoundingClientRect().bottom;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.data.trim() || !parent.checkVisibility()) continue;
    if (parent.closest('.visually-hidden, .skip, script, option')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const style = getComputedStyle(parent);
    pen.font = [style.fontStyle, style.fontWeight, style.fontSize, style.fontFamily].join(' ');
    pen.direction = style.direction;
    const m = pen.measureText(node.data.trim());
    const up = m.actualBoundingBoxAscent, down = m.actualBoundingBoxDescent;
    const label = parent.tagName + '.' + parent.className + ' ' + node.data.trim().slice(0, 20);
    // Two lines of this text one line-height apart cannot touch.
    const lineHeight = parseFloat(style.lineHeight);
    if (!Number.isNaN(lineHeight) && up + down > lineHeight + 1) {
      problems.push(label + ': ink ' + (up + down) + 'px in a ' + lineHeight + 'px line');
    }
    const inks = rects.map(r => {
      const baseline = r.bottom - m.fontBoundingBoxDescent;
      return {top: baseline - up, bottom: baseline + down};
    });
    for (const ink of inks) {
      if (parent.closest('main') && ink.top < rule - 1) problems.push(label + ': on the rule');
    }
    for (let box = parent; box && box !== document.body; box = box.parentElement) {
      const boxStyle = getComputedStyle(box);
      const top = parseFloat(boxStyle.borderTopWidth);
      const bottom = parseFloat(boxStyle.borderBottomWidth);
      if (!top && !bottom) continue;
      const edge = box.getBoundingClientRect();
      for (const ink of inks) {
        if (ink.top < edge.top + top - 1 || ink.bottom > edge.bottom - bottom + 1) {
          problems.push(label + ': crosses the border of ' + box.tagName + '.' + box.className);
        }
      }
    }
  }
  for (const el of document.querySelectorAll(
      'h1, h2, h3, select, input[type=text], .button, .badge, .change, .asked-words, dt, dd')) {
    if (el.checkVisibility() && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      problems.push(el.tagName + '#' + el.id + '.' + el.className + ': scrollWidth '
                    + el.scrollWidth + ' > clientWidth ' + el.clientWidth);
    }
  }
  // A select draws its chosen option inside itself: that text's ink fits the content box.
  for (const select of document.querySelectorAll('select')) {
    if (!select.checkVisibility()) continue;
    const style = getComputedStyle(select);
    pen.font = [style.fontStyle, style.fontWeight, style.fontSize, style.fontFamily].join(' ');
    const m = pen.measureText(select.options[select.selectedIndex].text);
    const pad = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    const inner = select.clientHeight - pad;
    const ink = m.actualBoundingBoxAscent + m.actualBoundingBoxDescent;
    if (ink > inner + 1 || m.width > select.clientWidth) {
      problems.push('select#' + select.id + ': ink ' + ink + 'px in ' + inner + 'px');
    }
  }
  return problems;
}"""


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def phone(browser: Browser, **options: Any) -> BrowserContext:
    """A touch phone 390 pixels wide."""
    return await browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1, **options
    )


def point_of(service_id: str) -> str:
    """Where the sample directory puts a service, as the links write it."""
    for organization in sample_directory():
        for service in organization["services"]:
            if service["id"] == service_id:
                location = service["service_at_locations"][0]["location"]
                return f"{location['latitude']:.5f},{location['longitude']:.5f}"
    raise AssertionError(service_id)


async def results_first(page: Page, summary: str) -> None:
    """The search is one line, the form folded, the first result above the fold."""
    asked = page.locator("details.asked")
    await expect(asked).not_to_have_attribute("open", "")
    await expect(asked.locator(".asked-words")).to_have_text(summary)
    await expect(asked.locator("summary")).to_be_visible()
    await expect(page.locator("#near")).to_be_hidden()
    first = await page.locator("li.result").first.bounding_box()
    assert first is not None and first["y"] < PHONE["height"], first
    # Only the folded search stands between the heading of the page and the results.
    order = await page.eval_on_selector_all(
        "main > *:not(svg)", "els => els.map(e => e.tagName.toLowerCase())"
    )
    assert order == ["h1", "details", "section"], order


async def test_results_come_first_on_a_phone_in_english_and_urdu(
    web: Web, browser: Browser, axe_script: Path
) -> None:
    context = await phone(browser, bypass_csp=True)
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/?lang=en")
        await expect(page.locator("details.asked")).to_have_count(0)  # no search yet: the form
        await search(page, need="legal", near="Chungking Mansions", speaks="ur")
        check_results(await found(page))
        await results_first(page, "Legal help · near Chungking Mansions · speaks Urdu · free")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "phone-results-en")

        await page.goto(f"{web.url}/?lang=ur")
        await search(page, need="legal", near="Chungking Mansions", speaks="ur")
        check_results(await found(page))
        await results_first(
            page, "قانونی مدد · Chungking Mansions کے قریب · اردو بولنے والا عملہ · مفت"
        )
        card = page.locator(f"li.result[data-service-id='{FIXTURES['tst_legal_urdu']}']")
        await expect(card.locator("a.directions")).to_contain_text("پیدل راستہ")
        await expect(card.locator("a.geo")).to_contain_text("نقشے کی ایپ میں کھولیں")
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "phone-results-ur")
        assert await page.evaluate(CRAMPED) == []

        # "Change" opens the whole form, whose select and boxes are set to be read too.
        await page.locator(".asked .change").click()
        await expect(page.locator("#speaks")).to_be_visible()
        await expect(page.locator("#speaks")).to_have_value("ur")
        assert await page.evaluate(CRAMPED) == []
        assert await axe_violations(page, axe_script) == []
        await screenshot(page, "phone-form-ur")

        await page.goto(f"{web.url}/?lang=bn&{SEARCH}")
        check_results(await found(page))
        assert await page.evaluate(CRAMPED) == []
        await page.locator(".asked .change").click()
        assert await page.evaluate(CRAMPED) == []
        await screenshot(page, "phone-form-bn")
    finally:
        await context.close()


async def test_directions_start_where_the_search_was_and_never_lead_to_a_confidential_place(
    web: Web, browser: Browser
) -> None:
    context = await phone(browser)
    try:
        page = await context.new_page()
        for searched, origin in (
            (SEARCH, CHUNGKING),
            ("need=legal&lat=22.2963&lng=114.1722&speaks=ur&free=1", CHUNGKING),
            ("need=legal&near=%E9%87%8D%E6%85%B6%E5%A4%A7%E5%BB%88&speaks=ur&free=1", CHUNGKING),
        ):
            await page.goto(f"{web.url}/?lang=en&{searched}")
            check_results(await found(page))
            for service_id in (FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]):
                card = page.locator(f"li.result[data-service-id='{service_id}']")
                there = point_of(service_id)
                directions = card.locator("a.directions")
                await expect(directions).to_have_attribute("href", f"{OSM_FOOT}{origin};{there}")
                await expect(directions).to_have_attribute("rel", "noopener noreferrer")
                await expect(directions).to_contain_text("Walking directions")
                geo = card.locator("a.geo")
                await expect(geo).to_have_attribute("href", f"geo:{there}")
                await expect(geo).to_have_attribute("rel", "noopener noreferrer")
                await expect(geo).to_contain_text("Open in maps app")

        # A confidential shelter shows its district only: no link leads to any point of it.
        await page.goto(f"{web.url}/?lang=en&need=housing&near=Sham+Shui+Po")
        shelter = page.locator(f"li.result[data-service-id='{FIXTURES['shelter_confidential']}']")
        await expect(shelter).to_contain_text("The exact address is given when you call.")
        hrefs = await shelter.locator("a").evaluate_all("links => links.map(a => a.href)")
        # Calling, messaging and reporting a problem; nothing that carries the place.
        report = f"{web.url}/report/{FIXTURES['shelter_confidential']}"
        assert hrefs and all(h.startswith(("tel:", "https://wa.me/", report)) for h in hrefs), hrefs
        content = await page.content()
        assert "22.33187" not in content and "114.16043" not in content  # its real point
        # Others on the same page still get theirs, from Sham Shui Po.
        assert await page.locator("li.result a.directions").count() >= 1
    finally:
        await context.close()


async def test_without_javascript_change_opens_the_form_and_searches_again(
    web: Web, browser: Browser
) -> None:
    context = await phone(browser, java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{web.url}/?lang=en&{SEARCH}")
        await results_first(page, "Legal help · near Chungking Mansions · speaks Urdu · free")
        await page.locator(".asked .change").click()
        await expect(page.locator("details.asked")).to_have_attribute("open", "")
        await expect(page.locator("#near")).to_be_visible()
        await expect(page.locator("#near")).to_have_value("Chungking Mansions")
        await page.fill("#near", "Jordan")
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        await expect(page.locator(".asked-words")).to_have_text(
            "Legal help · near Jordan · speaks Urdu · free"
        )
        assert FIXTURES["jordan_legal_urdu"] in [service for service, _ in await found(page)]
        await screenshot(page, "phone-no-javascript")
    finally:
        await context.close()
