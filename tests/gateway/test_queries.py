"""The gateway's public and signed-in queries over real HTTP, and the limits that guard them."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
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

TUESDAY_11 = "2026-11-24T11:00:00+08:00"
URDU_LEGAL = {
    "categories": ["legal"],
    "languages": ["ur"],
    "freeOnly": True,
    "openAt": TUESDAY_11,
}
EXPECTED = [FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]]


async def _seed(directory: Running) -> None:
    await seed(directory.service)


@pytest.fixture
async def stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Stack]:
    async with start_stack(
        start_service, serve, keys, nats_url, namespace, seed=_seed, search_rate_limit="5/day"
    ) as running:
        yield running


def _found(data: dict[str, Any]) -> list[str]:
    result = data["nearbyServices"]
    assert result["__typename"] == "NearbyServiceConnection", result
    return [edge["node"]["service"]["id"] for edge in result["edges"]]


@pytest.mark.parametrize(
    ("near", "locale"), [("Chungking Mansions", "en"), ("重慶大廈", "zh-Hant")]
)
async def test_a_claimant_finds_free_legal_help_in_urdu_near_a_place(
    stack: Stack, mint: Mint, near: str, locale: str
) -> None:
    token = mint("social_worker", org="org-referrer")  # signed in: not rate-limited
    variables = {"near": near, "filter": URDU_LEGAL, "locale": locale}
    data = await stack.data(
        example("public-search"), variables, operation="NearbyServices", token=token
    )
    assert _found(data) == EXPECTED
    first = data["nearbyServices"]["edges"][0]["node"]
    assert first["distance"] < 400 and first["free"] and "ur" in first["languages"]
    assert first["howToGetThere"] and first["hoursToday"] == ["10:00-18:00"]
    names = first["service"]["organization"]["name"]
    assert ("九龍" in names) == (locale == "zh-Hant")


async def test_paging_with_cursors_walks_the_whole_list(stack: Stack, mint: Mint) -> None:
    token = mint("social_worker", org="org-referrer")
    query = """query($after: String) {
      nearbyServices(near: "Sham Shui Po", radius: 5000, first: 7, after: $after) {
        ... on NearbyServiceConnection {
          totalCount pageInfo { hasNextPage endCursor } edges { node { id distance } }
        }
      }
    }"""
    seen: list[float] = []
    ids: set[str] = set()
    after = None
    for _ in range(50):
        page = (await stack.data(query, {"after": after}, token=token))["nearbyServices"]
        seen += [e["node"]["distance"] for e in page["edges"]]
        ids |= {e["node"]["id"] for e in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(ids) == page["totalCount"] > 7
    # Ranked by great-circle distance, reported as geodesic: equal within half a percent.
    assert all(b >= a * 0.995 for a, b in itertools.pairwise(seen))


async def test_bad_search_input_is_a_typed_problem_naming_the_field(
    stack: Stack, mint: Mint
) -> None:
    token = mint("social_worker", org="org-referrer")
    query = example("public-search")
    unknown = await stack.data(query, {"near": "Atlantis"}, operation="NearbyServices", token=token)
    assert unknown["nearbyServices"]["__typename"] == "ValidationProblem"
    assert unknown["nearbyServices"]["fields"][0]["field"] == "near"
    category = await stack.data(
        query, {"filter": {"categories": ["astrology"]}}, operation="NearbyServices", token=token
    )
    assert category["nearbyServices"]["fields"][0]["field"] == "category"


async def test_anonymous_search_is_rate_limited_and_signed_in_search_is_not(
    stack: Stack, mint: Mint
) -> None:
    query = '{ nearbyServices(near: "Jordan") { __typename } }'
    kinds = [(await stack.data(query))["nearbyServices"]["__typename"] for _ in range(7)]
    assert kinds[:5] == ["NearbyServiceConnection"] * 5
    assert kinds[5:] == ["RateLimited"] * 2
    token = mint("social_worker", org="org-referrer")
    signed_in = await stack.data(query, token=token)
    assert signed_in["nearbyServices"]["__typename"] == "NearbyServiceConnection"


async def test_service_organization_categories_and_places(stack: Stack) -> None:
    service_id = FIXTURES["tst_legal_urdu"]
    data = await stack.data(
        """query($id: ID!) {
          service(id: $id) {
            ... on Service {
              name acceptingReferrals referralPathway { responseDays }
              openingHours { days opensAt closesAt } organization { id name }
            }
          }
          missing: service(id: "no-such-service") { __typename ... on NotFound { code } }
          categories { code name children { code } }
          places(prefix: "深水") { id nameEn nameZh }
        }""",
        {"id": service_id},
    )
    service = data["service"]
    assert service["name"] and service["openingHours"] and service["organization"]["name"]
    assert data["missing"]["__typename"] == "NotFound"
    codes = {c["code"] for c in data["categories"]}
    assert {"legal", "medical", "housing", "speech-therapy", "mental-health"} <= codes
    assert any(p["nameEn"] == "Sham Shui Po" for p in data["places"])
    organization = await stack.data(
        "query($id: ID!) { organization(id: $id) { ... on Organization { id name } } }",
        {"id": service["organization"]["id"]},
    )
    assert organization["organization"]["name"] == service["organization"]["name"]


async def test_the_public_may_search_but_not_read_inboxes(stack: Stack) -> None:
    for field in ("notifications { id }", "inbox { edges { cursor } }", "unreadCount"):
        refused = await stack.graphql("{ " + field + " }")
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_roles_are_checked_at_the_gateway(stack: Stack, mint: Mint) -> None:
    partner = mint("partner_staff", org="org-partner")
    refused = await stack.graphql("{ networkFigures }", token=partner)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    sent = await stack.graphql("{ referrals { edges { cursor } } }", token=partner)
    assert sent["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_forged_token_is_refused_at_the_gateway(stack: Stack, mint: Mint) -> None:
    forged = mint("org_admin", org="org-partner")[:-4] + "AAAA"
    response = await stack.client.post(
        "/graphql", json={"query": "{ categories { code } }"}, headers=bearer(forged)
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-token"


async def test_over_deep_over_aliased_and_over_long_queries_are_refused(stack: Stack) -> None:
    deep = "{ categories " + "{ children " * 10 + "{ code }" + " }" * 10 + " }"
    aliases = "{ " + " ".join(f"a{i}: categories {{ code }}" for i in range(20)) + " }"
    long = "{ categories { " + " ".join(["code"] * 2500) + " } }"
    for document, words in ((deep, "depth"), (aliases, "aliases"), (long, "token")):
        refused = await stack.graphql(document)
        assert refused.get("data") is None
        assert words in refused["errors"][0]["message"].lower()


@contextlib.asynccontextmanager
async def broken_directory() -> AsyncIterator[str]:
    """A real HTTP server answering 200 with a body the gateway does not expect."""

    async def answer(_: web.Request) -> web.Response:
        return web.json_response({"unexpected": "shape", "secret": "internal detail"})

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


@contextlib.asynccontextmanager
async def gateway_on(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        yield client


async def test_unexpected_errors_are_masked_and_leak_nothing(keys: Keys, nats_url: str) -> None:
    async with (
        broken_directory() as url,
        gateway_on(
            GatewaySettings(
                directory_url=url,
                referrals_url=url,
                notifications_url=url,
                jwt_public_key_file=keys.public_path,
                nats_url=nats_url,
            )
        ) as client,
    ):
        body = (await client.post("/graphql", json={"query": "{ categories { code } }"})).json()
        assert body["data"] is None
        assert body["errors"][0]["message"] == "Something went wrong on our side."
        text = str(body)
        assert "KeyError" not in text and "contents" not in text and "internal detail" not in text
        assert "extensions" not in body["errors"][0]


async def test_an_unreachable_service_gives_a_clear_error_not_a_hang(
    keys: Keys, nats_url: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with gateway_on(
        GatewaySettings(
            directory_url=closed,
            referrals_url=closed,
            notifications_url=closed,
            jwt_public_key_file=keys.public_path,
            nats_url=nats_url,
            downstream_timeout=1.0,
        )
    ) as client:
        body = (
            await asyncio.wait_for(
                client.post("/graphql", json={"query": "{ categories { code } }"}), 5
            )
        ).json()
        assert body["errors"][0]["extensions"] == {
            "code": "SERVICE_UNAVAILABLE",
            "service": "directory",
        }
        assert "directory" in body["errors"][0]["message"]
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "directory" in ready.json()["detail"]


async def test_graphiql_opens_with_an_example_for_each_persona(stack: Stack) -> None:
    page = await stack.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    for operation in ("NearbyServices", "CreateReferral", "ReferralInbox", "MyNotifications"):
        assert operation in page.text
