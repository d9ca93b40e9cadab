"""A gateway on a real port with nothing behind it, for what is refused before any service call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, Serve


@pytest.fixture
async def gateway(serve: Serve, keys: Keys, nats_url: str, namespace: str) -> AsyncIterator[str]:
    """A gateway on a real port (no service behind it: nothing here reaches one)."""
    nowhere = "http://127.0.0.1:9"
    settings = GatewaySettings(
        directory_url=nowhere,
        referrals_url=nowhere,
        notifications_url=nowhere,
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        events_namespace=namespace,
    )
    yield await serve(create(settings), lifespan="on")
