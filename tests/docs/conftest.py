"""The whole system on loopback ports, and the web tests' Chromium to open its pages offline."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harbour_directory.seed import seed
from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, Running, Serve, StartService
from tests.stack import Stack, start_stack
from tests.web.conftest import browser, chromium

__all__ = ["browser", "chromium", "gateway", "stack"]


async def _seed(directory: Running) -> None:
    await seed(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    """The three services (with the sample directory) and a gateway, each on a real port."""
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as running:
        yield running


@pytest.fixture
async def gateway(serve: Serve, keys: Keys, nats_url: str, namespace: str) -> str:
    """A gateway alone on a real port, for what it serves without calling a service."""
    nowhere = "http://127.0.0.1:9"
    settings = GatewaySettings(
        directory_url=nowhere,
        referrals_url=nowhere,
        notifications_url=nowhere,
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        events_namespace=namespace,
    )
    return await serve(create(settings), lifespan="on")
