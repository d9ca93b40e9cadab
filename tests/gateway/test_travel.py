"""`nearbyServices(orderBy: TRAVEL_TIME)` through the gateway, in English and in Chinese."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from harbour_directory.seed import seed
from tests.conftest import Keys, Running, StartService
from tests.stack import Serve, Stack, example, start_stack


async def _seed(directory: Running) -> None:
    await seed(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as running:
        yield running


@pytest.mark.parametrize(
    ("locale", "words"), [("en", ("Walk", "Tsuen Wan line")), ("zh-Hant", ("步行", "乘荃灣綫"))]
)
async def test_quickest_first_near_tsim_sha_tsui(
    stack: Stack, locale: str, words: tuple[str, str]
) -> None:
    data = await stack.data(
        example("public-search"), {"near": "尖沙咀", "locale": locale}, operation="Quickest"
    )
    found = data["nearbyServices"]
    assert found["__typename"] == "NearbyServiceConnection", found
    nodes = [edge["node"] for edge in found["edges"]]
    assert len(nodes) == 10 and found["totalCount"] > 10
    minutes = [node["travelMinutes"] for node in nodes]
    assert all(a <= b for a, b in itertools.pairwise(minutes)), minutes
    assert all(node["route"] and node["travelMode"] in {"WALK", "MTR", "FERRY"} for node in nodes)
    routes = " ".join(node["route"] for node in nodes)
    assert all(word in routes for word in words), routes
    assert ("尖沙咀" in routes) == (locale == "zh-Hant")


async def test_distance_stays_the_default_and_bad_orders_are_refused(stack: Stack) -> None:
    query = """query($order: NearbyOrder!) {
      nearbyServices(near: "Tsim Sha Tsui", radius: 5000, first: 30, orderBy: $order) {
        ... on NearbyServiceConnection { edges { node { distance travelMinutes } } }
      }
    }"""
    default = await stack.data(
        query.replace(", orderBy: $order", "").replace("($order: NearbyOrder!)", "")
    )
    nearest = await stack.data(query, {"order": "DISTANCE"})
    quickest = await stack.data(query, {"order": "TRAVEL_TIME"})
    assert default == nearest
    distances = [e["node"]["distance"] for e in nearest["nearbyServices"]["edges"]]
    assert all(b >= a * 0.995 for a, b in itertools.pairwise(distances))
    assert [e["node"] for e in quickest["nearbyServices"]["edges"]] != [
        e["node"] for e in nearest["nearbyServices"]["edges"]
    ]
    refused = await stack.graphql(query, {"order": "FASTEST"})
    assert refused.get("errors") and refused.get("data") is None
