"""The gateway's GraphQL schema, fuzzed over HTTP: no masked error, no outage, no 5xx."""

from __future__ import annotations

import asyncio

import schemathesis
from graphql import introspection_from_schema

from harbour_directory.seed import seed
from harbour_gateway.schema import schema as graphql_schema
from harbour_runner.personas import CARE_NETWORK
from tests.conftest import Keys, Mint, Running, Serve, StartService, bearer
from tests.fuzz.fuzzing import ROLES, config, failures
from tests.stack import start_stack


async def _seed(directory: Running) -> None:
    await seed(directory.service)


async def test_no_query_makes_the_gateway_fail(
    start_service: StartService,
    serve: Serve,
    keys: Keys,
    nats_url: str,
    namespace: str,
    mint: Mint,
) -> None:
    async with start_stack(start_service, serve, keys, nats_url, namespace, seed=_seed) as stack:
        token = mint(*ROLES, org=CARE_NETWORK)
        schema = schemathesis.graphql.from_dict(
            dict(introspection_from_schema(graphql_schema._schema)),
            config=config(f"{stack.url}/graphql", bearer(token), ["no_gateway_fault"]),
        )
        found = await asyncio.to_thread(failures, schema)
        http = schemathesis.openapi.from_dict(
            stack.app.openapi(),
            config=config(stack.url, bearer(token), ["not_a_server_error", "problem_documents"]),
        )
        found += await asyncio.to_thread(failures, http)
    assert found == [], "\n\n".join(found)
