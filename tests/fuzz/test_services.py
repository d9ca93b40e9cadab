"""Each service's OpenAPI document, fuzzed: bad input is a 4xx problem document, never a 5xx."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis

from harbour_directory.seed import seed
from harbour_runner.personas import CARE_NETWORK
from tests.conftest import Mint, Serve, StartService, bearer
from tests.fuzz.fuzzing import ROLES, config, failures


@pytest.mark.parametrize("name", ["directory", "referrals", "notifications"])
async def test_no_input_makes_a_service_fail(
    name: str, start_service: StartService, serve: Serve, mint: Mint
) -> None:
    running = await start_service(name)
    if name == "directory":
        await seed(running.service)  # real records behind the lists and searches
    url = await serve(running.app)
    token = mint(*ROLES, org=CARE_NETWORK)
    checks = ["not_a_server_error", "problem_documents"]
    schema = schemathesis.openapi.from_dict(
        running.app.openapi(), config=config(url, bearer(token), checks)
    )
    found = await asyncio.to_thread(failures, schema)
    assert found == [], "\n\n".join(found)
