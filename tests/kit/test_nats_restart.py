"""Nothing is lost while NATS is down: the outbox holds events until it is back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Mint, StartService, bearer, eventually
from tests.harness import LocalNats
from tests.sample import SMALL as DEMO_ORGANIZATIONS
from tests.sample import seed_small as seed


@pytest.fixture
def own_nats() -> Iterator[LocalNats]:
    """A NATS server this test may stop and start again (same port, same JetStream store)."""
    server = LocalNats()
    server.start()
    try:
        yield server
    finally:
        server.close()


async def test_listings_written_while_nats_is_down_arrive_once_it_is_back(
    start_service: StartService, own_nats: LocalNats, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend, nats_url=own_nats.url)
    referrals = await start_service("referrals", backend, nats_url=own_nats.url)
    token = bearer(mint("social_worker", org=str(DEMO_ORGANIZATIONS[0]["id"])))
    await eventually(lambda: _ready(directory.client))
    await eventually(lambda: _ready(referrals.client))

    own_nats.stop()
    await eventually(lambda: _not_ready(directory.client))
    assert await seed(directory.service) == 6  # committed with NATS down: held in the outbox

    own_nats.start()
    await eventually(lambda: _ready(directory.client), within=30)

    async def targets() -> list[dict[str, Any]]:
        response = await referrals.client.get("/targets", headers=token)
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) >= 6 else []

    items = await eventually(targets, within=30)
    assert len(items) == 6
    assert {i["version"] for i in items} == {1}


async def _ready(client: Any) -> bool:
    return bool((await client.get("/readyz")).status_code == 200)


async def _not_ready(client: Any) -> bool:
    response = await client.get("/readyz")
    return bool(response.status_code == 503 and "nats" in response.json()["detail"])
