"""`/docs` and GraphiQL on a closed network: every file they load comes from Harbour itself."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, WebSocket, expect

from harbour_kit.docs import ASSETS, IMMUTABLE, assets, swagger_ui_version
from tests.conftest import Mint
from tests.stack import Stack
from tests.web.conftest import screenshot

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOADED = 30_000  # ms for a page's bundles to load and render (two busy cores)
# Recorded in each page before its own scripts run (an init script is not subject to CSP).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@dataclass
class Offline:
    """A browser context that refuses every address off this machine, and what it saw."""

    context: BrowserContext
    outside: list[str] = field(default_factory=list)  # requests and sockets it refused
    errors: list[str] = field(default_factory=list)  # uncaught errors in any page

    async def page(self) -> Page:
        page = await self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("websocket", self.socket)
        return page

    @staticmethod
    def on_this_machine(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOOPBACK

    async def route(self, route: Route) -> None:
        if self.on_this_machine(route.request.url):
            await route.continue_()
        else:
            await route.abort("internetdisconnected")

    def request(self, request: Request) -> None:
        if not self.on_this_machine(request.url):  # every attempt, refused by `route`
            self.outside.append(request.url)

    def socket(self, socket: WebSocket) -> None:
        if not self.on_this_machine(socket.url):  # routes see no WebSocket
            self.outside.append(socket.url)

    async def check_refusing(self) -> None:
        """The guard is on: a fetch elsewhere fails, and is recorded (`.invalid` never resolves)."""
        page = await self.context.new_page()  # about:blank, which has no policy of its own
        url = "https://offline-check.invalid/"
        fetch = "(url) => fetch(url).then(() => 'sent', () => 'refused')"
        outcome = await page.evaluate(fetch, url)
        assert outcome == "refused" and self.outside == [url], self.outside
        self.outside.clear()
        await page.close()


@asynccontextmanager
async def offline(browser: Browser) -> AsyncIterator[Offline]:
    context = await browser.new_context()
    watcher = Offline(context)
    await context.add_init_script(RECORD_VIOLATIONS)
    await context.route("**/*", watcher.route)
    context.on("request", watcher.request)
    try:
        await watcher.check_refusing()
        yield watcher
    finally:
        await context.close()


async def violations(page: Page) -> list[str]:
    found: list[str] = await page.evaluate("window.__violations")
    return found


def _urls(stack: Stack) -> dict[str, str]:
    """Each service's and the gateway's address."""
    urls: dict[str, str] = dict(stack.app.state.downstream.urls)
    return {**urls, "gateway": stack.url}


async def test_docs_of_every_service_and_the_gateway_render_with_no_way_out(
    stack: Stack, browser: Browser
) -> None:
    urls = _urls(stack)
    assert set(urls) == {"directory", "referrals", "notifications", "gateway"}
    async with offline(browser) as watcher:
        for name, url in urls.items():
            page = await watcher.page()
            await page.goto(f"{url}/docs")
            operations = page.locator(".swagger-ui .opblock-summary")
            await expect(operations.first).to_be_visible(timeout=LOADED)
            assert await operations.count() >= 2, name
            await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Harbour")
            await expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible()
            assert await violations(page) == [], name
            if name == "directory":
                await screenshot(page, "docs-offline")
            await page.close()
    assert watcher.outside == []
    assert watcher.errors == []


async def _set_editor(page: Page, selector: str, text: str) -> None:
    """Replaces the text of one of GraphiQL's CodeMirror editors, as typing would."""
    await page.locator(selector).first.wait_for(state="attached")
    await page.evaluate(
        "([selector, text]) => document.querySelector(selector).CodeMirror.setValue(text)",
        [selector, text],
    )


async def _run(page: Page, query: str) -> None:
    """Types `query` into the query editor and runs it once GraphiQL has taken it in."""
    await _set_editor(page, ".graphiql-query-editor .CodeMirror", query)
    # GraphiQL parses the edited document a moment later, then tells the page, which puts it
    # in the address: only then does the run button know a subscription from a query.
    await page.wait_for_function(
        "(query) => new URLSearchParams(location.search).get('q') === query", arg=query
    )
    await page.locator(".graphiql-execute-button").click()


async def test_graphiql_runs_a_query_and_a_signed_in_subscription_with_no_way_out(
    stack: Stack, browser: Browser, mint: Mint
) -> None:
    async with offline(browser) as watcher:
        page = await watcher.page()
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        await page.goto(f"{stack.url}/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        await expect(editor).to_be_visible(timeout=LOADED)
        # The persona examples open as tabs.
        await expect(page.locator(".graphiql-tab")).to_have_count(6)
        response = page.locator(".graphiql-response .CodeMirror")

        # A query, over HTTP, answered by the directory behind the gateway.
        await _run(page, '{ places(prefix: "Chungking") { nameEn } }')
        await expect(response).to_contain_text("Chungking Mansions", timeout=LOADED)

        # A subscription, over the gateway's WebSocket, signed in with the headers editor's token
        # (GraphiQL sends the headers as connection_init's payload). Signed in, the gateway looks
        # the referral up; without the token it would refuse before that.
        token = mint("social_worker", org="org-referrer")
        await page.get_by_role("button", name="Headers").click()
        await _set_editor(
            page,
            ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror",
            f'{{"Authorization": "Bearer {token}"}}',
        )
        await _run(page, 'subscription { referralUpdated(id: "no-such-referral") { status } }')
        await expect(response).to_contain_text("It does not exist", timeout=LOADED)
        assert any(urlsplit(url).path == "/graphql" for url in sockets), sockets
        assert await violations(page) == []
        await screenshot(page, "graphiql-offline")
    assert watcher.outside == []
    assert watcher.errors == []


def _integrity(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def test_every_file_is_served_for_a_year_and_graphiql_names_only_these(
    gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        page = (await client.get("/graphql", headers={"accept": "text/html"})).text
        named = re.findall(r'(?:src|href)="(/_assets/[^"]+)"\s+integrity="([^"]+)"', page)
        assert len(named) == 7  # React, ReactDOM, js-cookie, GraphiQL (2), its explorer (2)
        for url, integrity in named:
            served = await client.get(url)
            assert served.status_code == 200, url
            assert _integrity(served.content) == integrity, url  # byte for byte the npm files
        for name, asset in assets().items():
            served = await client.get(f"/_assets/{name}")
            assert served.status_code == 200, name
            assert served.content == asset.path.read_bytes(), name
            assert served.headers["cache-control"] == IMMUTABLE
            assert served.headers["content-type"] == asset.media_type, name
            again = await client.get(
                f"/_assets/{name}", headers={"if-none-match": served.headers["etag"]}
            )
            assert again.status_code == 304 and again.content == b""
        for missing in ("graphiql-3.8.3/nope.js", "react-18.2.0/..%2F..%2Fdocs.py", "x/y"):
            assert (await client.get(f"/_assets/{missing}")).status_code == 404, missing
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert not [path for path in paths if path.startswith("/_assets")]  # not an API
    # Each vendored folder carries its package's licence, and the README names what is served.
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    folders = {name.split("/")[0] for name in assets()}
    for folder in folders:
        assert f"{folder}/LICENSE" in assets(), folder
        assert f"`{folder}/`" in readme or folder.startswith("swagger-ui-"), folder
    assert f"Swagger UI {swagger_ui_version()}" in " ".join(readme.split())
