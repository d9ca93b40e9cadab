"""Signing in: OpenID Connect with PKCE through a real provider, sessions held by the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Request, expect

from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import LIVE, Web
from tests.web.oidc import block_outside, oidc_sign_in, start_oidc_web


@pytest.fixture
async def web(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Web]:
    # Access tokens live 90 s and are renewed 120 s before expiry: every request refreshes.
    async for running in start_oidc_web(
        start_service,
        serve,
        keys,
        nats_url,
        namespace,
        backend="sqlite",
        access_ttl=90,
        refresh_margin=120,
    ):
        yield running


async def test_people_sign_in_with_pkce_land_on_their_console_and_the_browser_holds_no_token(
    web: Web, browser: Browser
) -> None:
    worker_context = await browser.new_context()
    partner_context = await browser.new_context()
    try:
        worker, partner = await worker_context.new_page(), await partner_context.new_page()
        stopped = await block_outside(worker) + await block_outside(partner)
        asked: list[str] = []

        def note(request: Request) -> None:
            if "/auth" in urlsplit(request.url).path and "code_challenge" in request.url:
                asked.append(request.url)

        worker.on("request", note)
        await oidc_sign_in(worker, web.url, "/worker", "worker-1")
        await expect(worker.locator("#who")).to_have_text("Social worker (sample)")
        await expect(worker.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)

        # Authorization Code with PKCE (S256) and a nonce, to the provider's authorize endpoint.
        query = parse_qs(urlsplit(asked[0]).query)
        assert query["response_type"] == ["code"]
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) >= 43
        assert "nonce" in query and "state" in query

        # Partner staff opening the worker's console land on their own.
        await partner.goto(web.url + "/worker")
        await partner.fill("input[name=login]", "partner-1")
        await partner.fill("input[name=password]", "any password")
        await partner.click("button[type=submit]")
        await expect(partner).to_have_url(web.url + "/partner")
        await expect(partner.locator("#who")).to_have_text("Partner staff (sample)")

        # The browser holds one HttpOnly, Secure, SameSite session cookie and no token anywhere.
        cookies = [c for c in await worker_context.cookies() if c["name"] == "harbour_session"]
        assert len(cookies) == 1
        assert cookies[0]["httpOnly"] and cookies[0]["secure"]
        assert cookies[0]["sameSite"] == "Lax"
        for page in (worker, partner):
            storage = await page.evaluate(
                "() => [localStorage.length, sessionStorage.length, document.cookie]"
            )
            assert storage == [0, 0, ""]
        tokens = [s.access_token for s in web.auth.store._sessions.values()]
        assert len(tokens) == 2
        html = await worker.content() + await partner.content()
        assert all(t not in html for t in tokens)
        assert stopped == []
    finally:
        await worker_context.close()
        await partner_context.close()


async def test_tokens_are_renewed_and_sign_out_ends_the_session_at_the_provider(
    web: Web, browser: Browser
) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await block_outside(page)
        await oidc_sign_in(page, web.url, "/worker", "worker-1")
        store = web.auth.store
        (session,) = store._sessions.values()
        first = session.access_token
        # Any console request renews a token this close to expiry, through the refresh token.
        await page.reload()
        await expect(page.locator("#who")).to_have_text("Social worker (sample)")
        await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)
        assert session.access_token != first

        await page.click("#signout")
        # RP-initiated logout: the provider asks to confirm, then returns to Harbour.
        await page.click("button[value=yes], button[name=logout]")
        await expect(page).to_have_url(web.url + "/")
        assert len(store) == 0
        # The session is gone here and at the provider: the console asks for a login again.
        await page.goto(web.url + "/worker")
        await expect(page.locator("input[name=login]")).to_be_visible()
    finally:
        await context.close()


async def test_the_graphql_door_refuses_other_sites_and_requests_without_the_csrf_token(
    web: Web, browser: Browser
) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await block_outside(page)
        await oidc_sign_in(page, web.url, "/worker", "worker-1")
        query = {"query": "{ referrals(first: 1) { edges { node { id } } } }"}
        # The page's own requests carry the token the server rendered into it.
        ok = await page.evaluate(
            """async (q) => {
                 const csrf = JSON.parse(document.getElementById('session').textContent).csrf;
                 const r = await fetch('/graphql', {method: 'POST', body: JSON.stringify(q),
                   headers: {'content-type': 'application/json', 'x-csrf-token': csrf}});
                 return [r.status, await r.json()];
               }""",
            query,
        )
        assert ok[0] == 200 and "errors" not in ok[1]
        refused = await page.evaluate(
            """async (q) => {
                 const r = await fetch('/graphql', {method: 'POST', body: JSON.stringify(q),
                   headers: {'content-type': 'application/json'}});
                 return r.status;
               }""",
            query,
        )
        assert refused == 403
        cookie = {c["name"]: c["value"] for c in await context.cookies()}
        async with httpx.AsyncClient(base_url=web.url, cookies=cookie) as client:
            other_site = await client.post(
                "/graphql", json=query, headers={"origin": "https://evil.example"}
            )
            assert other_site.status_code == 403
            # No demo sign-in where an identity provider is configured.
            local = await client.post("/signin/local", data={"persona": "x", "csrf": "y"})
            assert local.status_code == 404
    finally:
        await context.close()
