"""The gateway answers one query with data from all three services, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, Mint, StartService, bearer, eventually
from tests.harness import free_port
from tests.sample import SMALL as DEMO_ORGANIZATIONS
from tests.sample import seed_small as seed

LEGAL_CLINIC = str(DEMO_ORGANIZATIONS[1]["id"])
OVERVIEW = """
query Overview {
  services(first: 10) { id name acceptingReferrals }
  referralTargets { serviceId name acceptingReferrals }
  inbox(limit: 10) { unreadCount items { kind reference title } }
}"""


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[FastAPI], Any]]:
    """Serves ASGI applications on real loopback ports for the test."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def _serve(app: FastAPI) -> str:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
        )
        task = asyncio.create_task(server.serve())
        servers.append((server, task))

        async def started() -> bool:
            return bool(server.started)

        await eventually(started, within=10, interval=0.02)
        return f"http://127.0.0.1:{port}"

    yield _serve
    for server, task in servers:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def gateway(
    start_service: StartService, serve: Callable[[FastAPI], Any], keys: Keys
) -> AsyncIterator[httpx.AsyncClient]:
    directory = await start_service("directory")
    referrals = await start_service("referrals")
    notifications = await start_service("notifications")
    await seed(directory.service)
    async with gateway_client(
        GatewaySettings(
            directory_url=await serve(directory.app),
            referrals_url=await serve(referrals.app),
            notifications_url=await serve(notifications.app),
            jwt_public_key_file=keys.public_path,
            downstream_timeout=2.0,
        )
    ) as client:
        yield client


@contextlib.asynccontextmanager
async def gateway_client(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a gateway application, with its lifespan (the HTTP pool) running."""
    app = create(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway"
        ) as client,
    ):
        yield client


async def _graphql(client: httpx.AsyncClient, query: str, token: str | None = None) -> Any:
    response = await client.post(
        "/graphql", json={"query": query}, headers=bearer(token) if token else {}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_one_query_reaches_directory_referrals_and_notifications(
    gateway: httpx.AsyncClient, mint: Mint
) -> None:
    token = mint("org_admin", org=LEGAL_CLINIC)

    async def complete() -> Any:
        result = await _graphql(gateway, OVERVIEW, token)
        data = result.get("data") or {}
        ready = len(data.get("referralTargets") or []) == 6 and (
            (data.get("inbox") or {}).get("unreadCount") == 2
        )
        return result if ready else None

    result = await eventually(complete, within=20)
    assert "errors" not in result
    data = result["data"]
    assert len(data["services"]) == 6
    assert {s["id"] for s in data["services"]} == {t["serviceId"] for t in data["referralTargets"]}
    assert {i["kind"] for i in data["inbox"]["items"]} == {"listing.published"}


async def test_the_public_may_search_but_not_read_inboxes(gateway: httpx.AsyncClient) -> None:
    result = await _graphql(gateway, "{ services(first: 2) { name } }")
    assert len(result["data"]["services"]) == 2
    refused = await _graphql(gateway, "{ inbox { unreadCount } }")
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_forged_token_is_refused_at_the_gateway(
    gateway: httpx.AsyncClient, mint: Mint
) -> None:
    forged = mint("org_admin", org=LEGAL_CLINIC)[:-4] + "AAAA"
    response = await gateway.post(
        "/graphql", json={"query": "{ services { name } }"}, headers=bearer(forged)
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-token"


async def test_deep_queries_are_refused(gateway: httpx.AsyncClient) -> None:
    aliases = " ".join(f"a{i}: services {{ name }}" for i in range(20))
    result = await _graphql(gateway, "{ " + aliases + " }")
    assert result["data"] is None
    assert "aliases" in result["errors"][0]["message"].lower()


async def test_an_unreachable_service_gives_a_clear_error_not_a_hang(keys: Keys) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with gateway_client(
        GatewaySettings(
            directory_url=closed,
            referrals_url=closed,
            notifications_url=closed,
            jwt_public_key_file=keys.public_path,
            downstream_timeout=1.0,
        )
    ) as client:
        result = await _graphql(client, "{ services { name } }")
        assert result["errors"][0]["extensions"] == {
            "code": "SERVICE_UNAVAILABLE",
            "service": "directory",
        }
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "directory" in ready.json()["detail"]
