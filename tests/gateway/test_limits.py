"""What is not a GraphQL request, or is too large, is refused with a problem document, early."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import Keys, Serve

KIB = 1024


def refused(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    """The problem document of a refusal naming `field`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and [e["field"] for e in body["errors"]] == [field]
    return body


@pytest.mark.parametrize("body", [b"null", b"123", b'"text"', b"[]", b"[{}]"])
async def test_a_body_that_is_not_a_json_object_is_a_400(gateway: str, body: bytes) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    assert refused(response, 400, "body")["code"] == "not-a-graphql-request"


async def test_malformed_json_and_strawberrys_own_refusals_are_problem_documents(
    gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        broken = await client.post(
            "/graphql", content=b'{"query": ', headers={"content-type": "application/json"}
        )
        assert refused(broken, 400, "body")["code"] == "malformed-json"
        for request in (
            client.post("/graphql", json={}),
            client.post("/graphql", json={"query": "{ __typename }", "variables": [1]}),
            client.post("/graphql", content=b"{ __typename }"),
            client.get("/graphql", params={"query": "mutation { x }"}),
        ):
            response = await request
            assert response.status_code == 400
            assert response.headers["content-type"] == PROBLEM_JSON
            assert response.json()["code"] == "bad-request"


async def test_a_body_over_the_limit_is_a_413_sent_whole_or_in_chunks(gateway: str) -> None:
    padding = "x" * (64 * KIB)
    big = b'{"query": "{ __typename }", "variables": {"pad": "' + padding.encode() + b'"}}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 4 * KIB):
            yield big[start : start + 4 * KIB]

    async with httpx.AsyncClient(base_url=gateway) as client:
        declared = await client.post(
            "/graphql", content=big, headers={"content-type": "application/json"}
        )
        refused(declared, 413, "body")
        streamed = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        refused(streamed, 413, "body")
        # The connection is still good for the next request.
        ok = await client.post("/graphql", json={"query": "{ __typename }"})
        assert ok.json() == {"data": {"__typename": "Query"}}


async def test_a_document_over_the_limit_is_refused_by_post_and_by_get(gateway: str) -> None:
    long = "{ __typename " + " " * (16 * KIB) + "}"
    async with httpx.AsyncClient(base_url=gateway) as client:
        posted = await client.post("/graphql", json={"query": long})
        assert refused(posted, 413, "query")["code"] == "query-too-large"
        got = await client.get("/graphql", params={"query": long})
        refused(got, 413, "query")
        small = await client.get("/graphql", params={"query": "{ __typename }"})
        assert small.json() == {"data": {"__typename": "Query"}}


async def test_the_limits_are_settings(serve: Serve, keys: Keys, nats_url: str) -> None:
    settings = GatewaySettings(
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        max_body_bytes=2 * KIB,
        max_query_length=512,
    )
    async with httpx.AsyncClient(base_url=await serve(create(settings), lifespan="on")) as client:
        body = await client.post("/graphql", json={"query": "{ __typename }", "p": "x" * 3000})
        refused(body, 413, "body")
        query = await client.post("/graphql", json={"query": "{ __typename }" + " " * 600})
        refused(query, 413, "query")
        url = await client.get("/graphql", params={"query": "{ __typename }", "x": "y" * 3000})
        assert refused(url, 414, "query")["code"] == "query-string-too-long"
