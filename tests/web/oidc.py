"""A real OpenID provider for browser tests (`oidc-provider` from npm, run by Node)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from bench.support import free_port
from harbour_runner.personas import CARE_NETWORK, LEGAL_CLINIC
from tests.conftest import Keys, Serve, StartService
from tests.web.conftest import Web, npm_package, start_web

VERSION = "9.13.3"
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")

# The provider's people: login → claims. Any password signs in (the library's development form).
ACCOUNTS: dict[str, dict[str, Any]] = {
    "worker-1": {
        "name": "Social worker (sample)",
        "roles": ["social_worker"],
        "org_id": CARE_NETWORK,
        "locale": "en",
    },
    "partner-1": {
        "name": "Partner staff (sample)",
        "roles": ["partner_staff"],
        "org_id": LEGAL_CLINIC,
        "locale": "en",
    },
    "admin-1": {
        "name": "Org admin (sample)",
        "roles": ["org_admin", "partner_staff"],
        "org_id": LEGAL_CLINIC,
        "locale": "en",
    },
    "worker-zh": {
        "name": "社工 (示範)",
        "roles": ["social_worker"],
        "org_id": CARE_NETWORK,
        "locale": "zh-Hant",
    },
    "partner-zh": {
        "name": "夥伴職員 (示範)",
        "roles": ["partner_staff"],
        "org_id": LEGAL_CLINIC,
        "locale": "zh-Hant",
    },
}


@dataclass
class Provider:
    """A running provider: its issuer URL and the web client's secret."""

    issuer: str
    client_secret: str

    def service_settings(self) -> dict[str, Any]:
        """Token settings that make the services and the gateway trust this provider."""
        return {
            "jwt_jwks_url": f"{self.issuer}/jwks",
            "jwt_issuer": self.issuer,
            "jwt_audience": "harbour",
            "jwt_algorithms": ["RS256"],
        }

    def web_settings(self, web_url: str) -> dict[str, Any]:
        """Settings that make the web app sign people in here."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_secret": self.client_secret,
            "public_url": web_url,
        }


def provider_script() -> Path:
    """The provider script beside `oidc-provider` (installed from npm into the test cache)."""
    target = npm_package("oidc-provider", VERSION) / SCRIPT.name
    shutil.copyfile(SCRIPT, target)  # ES modules resolve packages from their own folder
    return target


async def start_oidc_web(
    start_service: StartService,
    serve: Serve,
    keys: Keys,
    nats_url: str,
    namespace: str,
    *,
    backend: str,
    access_ttl: int = 600,
    **web: Any,
) -> AsyncIterator[Web]:
    """The whole system with a web app that signs people in at a real OpenID provider."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with run_provider(provider_script(), url, access_ttl=access_ttl) as provider:
        async for running in start_web(
            start_service,
            serve,
            keys,
            nats_url,
            namespace,
            backend=backend,
            auth=provider.service_settings(),
            port=port,
            **{**provider.web_settings(url), **web},
        ):
            yield running


@asynccontextmanager
async def run_provider(
    script: Path, web_url: str, *, access_ttl: int = 600
) -> AsyncIterator[Provider]:
    """Starts the provider for a web app at `web_url`; stops it afterwards."""
    node = shutil.which("node")
    assert node, "node is needed to run the OpenID provider"
    port = free_port()
    secret = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_WEB_URL": web_url,
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_ACCESS_TTL": str(access_ttl),
    }
    process = await asyncio.create_subprocess_exec(
        node, str(script), env=env, stdout=asyncio.subprocess.PIPE, cwd=str(script.parent)
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.strip() == b"ready", line
        yield Provider(f"http://localhost:{port}", secret)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


async def block_outside(page: Page) -> list[str]:
    """Aborts every request that would leave this machine; returns the URLs it stopped."""
    stopped: list[str] = []

    async def handle(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0]
        if host in {"127.0.0.1", "localhost"}:
            await route.continue_()
        else:
            stopped.append(route.request.url)
            await route.abort()

    await page.context.route("**/*", handle)
    return stopped


async def oidc_sign_in(page: Page, web_url: str, path: str, login: str) -> None:
    """Opens a console, signs in at the provider's login form, and lands back on it."""
    await page.goto(web_url + path)
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", "any password")
    await page.click("button[type=submit]")
    await expect(page).to_have_url(web_url + path)
    await expect(page.locator("#signed-in")).to_be_visible()
