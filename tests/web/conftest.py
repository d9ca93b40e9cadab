"""The web app in front of a whole running system, and a real headless Chromium to drive it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from harbour_directory.seed import seed
from harbour_web.main import create
from harbour_web.settings import WebSettings
from tests.conftest import Keys, Running, Serve, StartService
from tests.stack import Stack, start_stack

CHROMIUM = Path(os.environ.get("HARBOUR_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).with_name("screenshots")
AXE_VERSION = "4.10.3"
AXE_CACHE = (
    Path(os.environ.get("HARBOUR_TEST_CACHE", Path.home() / ".cache" / "harbour-tests"))
    / f"axe-core-{AXE_VERSION}"
)


@dataclass
class Web:
    """The web app served on a real port, in front of the gateway of `stack`."""

    url: str
    stack: Stack


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
) -> AsyncIterator[Web]:
    """The three services with the sample directory, a gateway, and the web app before it."""
    async with start_stack(
        start_service, serve, keys, nats_url, namespace, backend=backend, seed=_seed
    ) as stack:
        app = create(WebSettings(gateway_url=f"{stack.url}/graphql", gateway_timeout=20))
        yield Web(await serve(app, lifespan="on"), stack)


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's browser build, installed from npm into a cache folder when missing."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install axe-core for the accessibility checks"
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(AXE_CACHE), "--no-audit", "--no-fund",
             f"axe-core@{AXE_VERSION}"],
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
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
