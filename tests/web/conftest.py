"""The web app in front of a whole running system, and a real headless Chromium to drive it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from harbour_directory.seed import seed
from harbour_web.main import create
from harbour_web.settings import WebSettings
from harbour_web.signin import Auth
from tests.conftest import Keys, Running, Serve, StartService
from tests.stack import Stack, start_stack

CHROMIUM = Path(os.environ.get("HARBOUR_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).with_name("screenshots")
LIVE = 20_000  # ms a page may take to show a change made elsewhere (two busy cores)
AXE_VERSION = "4.10.3"
TEST_CACHE = Path(os.environ.get("HARBOUR_TEST_CACHE", Path.home() / ".cache" / "harbour-tests"))


@dataclass
class Web:
    """The web app served on a real port, in front of the gateway of `stack`."""

    url: str
    stack: Stack
    personas: Path  # the local sign-in's demo people; `sign_in` adds to it
    auth: Auth  # the web app's sessions


async def _seed(directory: Running) -> None:
    await seed(directory.service)


async def start_web(
    start_service: StartService,
    serve: Serve,
    keys: Keys,
    nats_url: str,
    namespace: str,
    *,
    backend: str,
    auth: dict[str, Any] | None = None,
    port: int | None = None,
    **web: Any,
) -> AsyncIterator[Web]:
    """The three services with the sample directory, a gateway, and the web app before it.

    Without `web` settings for an identity provider, people sign in through the local page.
    """
    async with start_stack(
        start_service, serve, keys, nats_url, namespace, backend=backend, seed=_seed, auth=auth
    ) as stack:
        personas = Path(tempfile.mkdtemp(prefix="harbour-web-")) / "personas.json"
        personas.write_text("[]")
        settings = WebSettings(
            gateway_url=f"{stack.url}/graphql",
            gateway_timeout=20,
            local_personas_file=personas,
            jwt_public_key_file=keys.public_path,
            **web,
        )
        app = create(settings)
        url = await serve(app, lifespan="on", port=port)
        yield Web(url, stack, personas, app.state.auth)


def npm_package(name: str, version: str) -> Path:
    """The folder holding npm package `name@version`, installed into the test cache on first use."""
    folder = TEST_CACHE / f"{name}-{version}"
    if not (folder / "node_modules" / name / "package.json").exists():
        npm = shutil.which("npm")
        assert npm, f"npm is needed to install {name} for the browser tests"
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund",
             f"{name}@{version}"],
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
    return folder


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser build."""
    script = npm_package("axe-core", AXE_VERSION) / "node_modules" / "axe-core" / "axe.min.js"
    assert script.exists(), script
    return script


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (scripts/test installs it with apt-get when missing)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: scripts/test installs it with apt-get"
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Headless Chromium from Debian (Playwright's own browser builds are never downloaded)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield launched
        await launched.close()


async def axe_violations(page: Page, script: Path) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations (WCAG 2.x A and AA rules) on the page.

    The page's context needs `bypass_csp=True`: the policy rightly refuses injected scripts.
    """
    await page.add_script_tag(path=str(script))
    result: dict[str, Any] = await page.evaluate(
        """async () => await axe.run(document, {
             runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page screenshot under tests/web/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def report(figures: dict[str, Any]) -> None:
    """Prints figures a reader of the test output wants to see."""
    print("\n" + json.dumps(figures, ensure_ascii=False, indent=2))


async def sign_in(web: Web, page: Page, path: str, token: str) -> None:
    """Signs `page` in to the console at `path` as the person `token` names, through the local
    sign-in page (the test adds that person to its demo people), and waits until live."""
    claims = jwt.decode(token, options={"verify_signature": False})
    people = json.loads(web.personas.read_text())
    key = f"p-{claims['sub']}"
    person = {
        "key": key,
        "label": claims.get("name") or claims["sub"],
        "sub": claims["sub"],
        "org_id": claims.get("org_id"),
        "roles": claims.get("roles") or [],
        "locale": claims.get("locale") or "en",
    }
    web.personas.write_text(json.dumps([p for p in people if p["key"] != key] + [person]))
    await page.goto(f"{web.url}/signin?next={path}")
    await page.click(f"button[data-persona='{key}']")
    await expect(page).to_have_url(web.url + path)
    await expect(page.locator("#signed-in")).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-live", "on", timeout=LIVE)
