"""Security headers on real answers, and pages that work under their content security policy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from harbour_kit.headers import HSTS
from harbour_web.main import POLICY, templates
from tests.conftest import Keys, Mint, Serve, StartService
from tests.web.conftest import Web, sign_in, start_web

# Recorded in the page before any of its own scripts run (an init script is not subject to CSP).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""
# `/docs` and GraphiQL, each under its own policy and with no way out: tests/docs/test_offline.py.


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    async for running in start_web(
        start_service, serve, keys, nats_url, namespace, backend="sqlite"
    ):
        yield running


async def watched(context: BrowserContext) -> Page:
    """A page that records every content security policy violation."""
    await context.add_init_script(RECORD_VIOLATIONS)
    return await context.new_page()


async def violations(page: Page) -> list[str]:
    """The violations the page has seen so far."""
    found: list[str] = await page.evaluate("window.__violations")
    return found


def test_no_template_has_inline_script_style_or_handlers() -> None:
    env = templates()
    for name in env.list_templates(extensions=["html"]):
        source = env.loader.get_source(env, name)[0] if env.loader else ""
        # Data blocks (`type="application/json"`) are never run; every other script is a file.
        assert not re.search(
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", source
        ), name
        assert "<style" not in source and not re.search(r"\sstyle=", source), name
        assert not re.search(r"\son[a-z]+=", source), name


async def test_every_answer_carries_the_headers_and_hsts_only_over_tls(web: Web) -> None:
    async with httpx.AsyncClient(base_url=web.url) as client:
        for path in ("/?lang=en", "/static/site.css?v=1", "/places?prefix=Jor", "/signin"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-security-policy"] == POLICY
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in response.headers
        proxied = await client.post("/graphql", json={"query": "{ __typename }"})
        assert proxied.headers["x-content-type-options"] == "nosniff"
        # Loopback is a trusted proxy: a TLS-terminating proxy there makes it HSTS.
        tls = await client.get("/?lang=en", headers={"x-forwarded-proto": "https"})
        assert tls.headers["strict-transport-security"] == HSTS
    assert "frame-ancestors 'none'" in POLICY and "unsafe-inline" not in POLICY


async def test_search_and_console_scripts_run_under_the_policy(
    web: Web, browser: Browser, mint: Mint
) -> None:
    context = await browser.new_context()
    try:
        page = await watched(context)
        await page.goto(f"{web.url}/?lang=en")
        await page.fill("#near", "Chung")  # suggestions come from /places by fetch
        await page.locator("#places option[value='Chungking Mansions']").wait_for(state="attached")
        await page.fill("#near", "Chungking Mansions")
        await page.locator("input[name=need][value='legal']").check()
        async with page.expect_navigation():
            await page.click("button[type=submit]")
        assert await page.locator("li.result").count() > 0
        assert await violations(page) == []

        console = await watched(context)
        await sign_in(web, console, "/worker", mint("social_worker", org="org-referrer"))
        # Live updates: a WebSocket to the same origin, which connect-src 'self' allows.
        await expect(console.locator("body")).to_have_attribute("data-live", "on", timeout=20_000)
        assert await violations(console) == []
    finally:
        await context.close()
