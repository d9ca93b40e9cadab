"""The anonymous search limit holds across gateway replicas: one count in NATS, not one per pod."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, StartService
from tests.stack import Serve

SEARCH = '{ nearbyServices(near: "Jordan") { __typename } }'


async def _replicas(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str, n: int
) -> list[str]:
    directory = await start_service("directory")
    url = await serve(directory.app)
    settings = GatewaySettings(
        directory_url=url,
        referrals_url=url,
        notifications_url=url,
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        events_namespace=namespace,
        search_rate_limit="5/day",
    )
    apps = [create(settings) for _ in range(n)]
    urls = [await serve(app, lifespan="on") for app in apps]
    for app in apps:
        await asyncio.wait_for(app.state.live.ready.wait(), 10)
    return urls


async def _search(client: httpx.AsyncClient, url: str, address: str) -> str:
    response = await client.post(
        f"{url}/graphql", json={"query": SEARCH}, headers={"x-forwarded-for": address}
    )
    body: dict[str, Any] = response.json()
    return str(body["data"]["nearbyServices"]["__typename"])


async def test_two_replicas_share_one_limit_even_when_hit_at_once(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> None:
    first, second = await _replicas(start_service, serve, keys, nats_url, namespace, 2)
    async with httpx.AsyncClient(timeout=20) as client:
        # One after another, alternating between the replicas (a day-long window: no reset midway).
        kinds = [await _search(client, (first, second)[i % 2], "203.0.113.7") for i in range(8)]
        assert kinds == ["NearbyServiceConnection"] * 5 + ["RateLimited"] * 3
        # All at once from another address: still exactly five get through.
        racing = await asyncio.gather(
            *(_search(client, (first, second)[i % 2], "203.0.113.8") for i in range(12))
        )
        assert Counter(racing) == {"NearbyServiceConnection": 5, "RateLimited": 7}
        # Each address has its own count.
        assert await _search(client, second, "203.0.113.9") == "NearbyServiceConnection"


async def test_without_nats_each_process_still_limits(
    start_service: StartService, serve: Serve, keys: Keys, namespace: str
) -> None:
    (only,) = await _replicas_without_nats(start_service, serve, keys, namespace)
    async with httpx.AsyncClient(timeout=20) as client:
        kinds = [await _search(client, only, "203.0.113.10") for _ in range(7)]
    assert kinds == ["NearbyServiceConnection"] * 5 + ["RateLimited"] * 2


async def _replicas_without_nats(
    start_service: StartService, serve: Serve, keys: Keys, namespace: str
) -> list[str]:
    directory = await start_service("directory")
    url = await serve(directory.app)
    settings = GatewaySettings(
        directory_url=url,
        referrals_url=url,
        notifications_url=url,
        jwt_public_key_file=keys.public_path,
        nats_url="nats://127.0.0.1:1",  # nothing listens there
        events_namespace=namespace,
        search_rate_limit="5/day",
    )
    return [await serve(create(settings), lifespan="on")]
