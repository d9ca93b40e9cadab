"""Arguments a service would refuse, or that would reach another route, are the caller's problem."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from harbour_directory.demo import FIXTURES
from harbour_directory.seed import seed
from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, Mint, Running, StartService, bearer
from tests.harness import free_port
from tests.stack import Serve, Stack, example, start_stack

SEARCH = """query($near: String, $filter: ServiceFilter, $locale: String) {
  nearbyServices(near: $near, filter: $filter, locale: $locale) {
    __typename
    ... on ValidationProblem { code fields { field message } }
  }
}"""


async def _seed(directory: Running) -> None:
    await seed(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as running:
        yield running


def problem_fields(result: dict[str, Any]) -> list[str]:
    """The fields a ValidationProblem names."""
    assert result["__typename"] == "ValidationProblem", result
    return [f["field"] for f in result["fields"]]


OVER_LONG: list[tuple[dict[str, Any], str]] = [
    # 45 kB in the body, 135 kB once percent-encoded: past what the directory's server reads.
    ({"near": "重" * 15_000}, "near"),
    ({"near": "x" * 101}, "near"),
    ({"filter": {"text": "word " * 41}}, "filter.text"),
    ({"filter": {"categories": ["legal"] * 21}}, "filter.categories"),
    ({"near": "Jordan", "locale": "x" * 36}, "locale"),
]


async def test_an_over_long_search_argument_is_a_validation_problem_not_an_outage(
    stack: Stack, mint: Mint
) -> None:
    token = mint("social_worker", org="org-referrer")
    for variables, field in OVER_LONG:
        data = await stack.data(SEARCH, variables, token=token)
        assert problem_fields(data["nearbyServices"]) == [field], field
    # 100 kB is refused with the body it came in, before any GraphQL runs.
    response = await stack.client.post(
        "/graphql", json={"query": SEARCH, "variables": {"near": "x" * 100_000}}
    )
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "body"


async def test_ids_that_would_reach_another_route_and_keys_that_cannot_be_headers(
    stack: Stack, mint: Mint
) -> None:
    token = mint("social_worker", org="org-referrer")
    real = FIXTURES["tst_legal_urdu"]
    query = "query($id: ID!) { service(id: $id) { __typename ... on Service { id } } }"
    for bad in ("", ".", "..", f"{real}/intake", f"{real}?locale=en", "../organizations"):
        data = await stack.data(query, {"id": bad}, token=token)
        assert data["service"] == {"__typename": "NotFound"}, bad
    found = await stack.data(query, {"id": real}, token=token)
    assert found["service"] == {"__typename": "Service", "id": real}
    for field in ("organization", "referral"):
        document = f'{{ {field}(id: "") {{ __typename }} }}'
        kind = (await stack.data(document, token=token))[field]["__typename"]
        assert kind in {"NotFound", "Forbidden"}

    referral = {"claimantId": "c", "serviceId": real, "purpose": "legal"}
    for key in ("line\nbreak", "with space", "k" * 201, "ключ"):
        data = await stack.data(
            example("social-worker"),
            {"referral": referral, "key": key},
            token=token,
            operation="CreateReferral",
        )
        assert problem_fields(data["createReferral"]) == ["idempotencyKey"], key


@contextlib.asynccontextmanager
async def refusing_directory() -> AsyncIterator[str]:
    """A real HTTP server refusing every request the way an HTTP server does: 400, plain text."""

    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=400, text="Invalid HTTP request received.")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_refusal_without_a_problem_document_is_not_an_outage(
    keys: Keys, nats_url: str, mint: Mint
) -> None:
    async with refusing_directory() as url:
        settings = GatewaySettings(
            directory_url=url,
            referrals_url=url,
            notifications_url=url,
            jwt_public_key_file=keys.public_path,
            nats_url=nats_url,
        )
        app = create(settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
        ):
            token = mint("social_worker", org="org-referrer")
            response = await c.post(
                "/graphql",
                json={"query": SEARCH, "variables": {"near": "Jordan"}},
                headers=bearer(token),
            )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["nearbyServices"]["__typename"] == "ValidationProblem"
