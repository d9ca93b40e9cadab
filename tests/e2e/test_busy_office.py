"""A busy office on the embedded default and on PostgreSQL, and a service killed under it.

Several people work at once through the gateway: claimants and consents recorded in parallel,
the same referral sent twice at the same moment, notes and audited reads side by side. Nothing
may answer 5xx or SERVICE_UNAVAILABLE, each pair of same-key requests makes one referral, and
the audit chain verifies afterwards. Then one service of the running stack is killed with
SIGKILL: the runner brings it back while the rest keeps answering.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harbour_directory.demo import sample_directory
from harbour_directory.seed import seed
from harbour_runner.personas import CARE_NETWORK, LEGAL_CLINIC
from tests.conftest import Keys, Mint, Running, StartService, bearer
from tests.e2e.local import ROOT, Runner, harbour_processes
from tests.stack import Serve, example, start_stack

PARALLEL = 20
PAIRS = 10
CLAIMANT = {"name": "Test Person Alpha", "phone": "+85255550123", "languages": ["ur"]}
NOTE = """mutation Note($id: ID!, $body: String!) {
  addReferralNote(id: $id, body: $body) { __typename ... on Problem { code message } }
}"""
AUDITED = """query Audited($id: ID!) {
  referral(id: $id) { __typename ... on Referral { sharedDetails notes { body } } }
}"""
HEALTH = '{ nearbyServices(near: "Mong Kok", first: 1) { __typename } }'
CLINIC_SERVICE = next(o for o in sample_directory() if o["id"] == LEGAL_CLINIC)["services"][0]["id"]

Post = Callable[[str, dict[str, Any], str | None, str | None], Awaitable[httpx.Response]]


@dataclass
class Office:
    """The gateway of a running stack and the tokens of the people in this office."""

    post: Post
    worker: str
    partner: str

    async def data(
        self, document: str, variables: dict[str, Any], token: str, operation: str | None = None
    ) -> dict[str, Any]:
        """One request that must not fail in any way."""
        response = await self.post(document, variables, token, operation)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def many(
        self, calls: list[tuple[str, dict[str, Any], str, str | None]]
    ) -> list[dict[str, Any]]:
        """All at once."""
        return list(await asyncio.gather(*(self.data(*call) for call in calls)))


def _sendable(claimant: str) -> dict[str, Any]:
    """The referral input for `claimant`, once the clinic's service is known to referrals."""
    return {
        "claimantId": claimant,
        "serviceId": CLINIC_SERVICE,
        "purpose": "legal",
        "needsSummary": "Needs advice.",
        "send": True,
    }


async def busy_office(office: Office) -> None:
    """The office's morning, all through GraphQL; asserts every answer is a success."""
    social = example("social-worker")
    recorded = await office.many(
        [(social, {"details": CLAIMANT}, office.worker, "RecordClaimant")] * PARALLEL
    )
    claimants = [r["recordClaimant"]["id"] for r in recorded]
    assert len(set(claimants)) == PARALLEL
    consent = {
        "purpose": "legal",
        "receivingOrganizationIds": [LEGAL_CLINIC],
        "dataCategories": ["identity", "contact", "languages", "needs"],
        "method": "verbal",
    }
    consents = await office.many(
        [
            (social, {"consent": {**consent, "claimantId": c}}, office.worker, "RecordConsent")
            for c in claimants
        ]
    )
    assert {c["recordConsent"]["__typename"] for c in consents} == {"Consent"}

    # The clinic's listing reaches referrals by event; wait for it with one referral.
    first = _sendable(claimants[0])
    deadline = time.monotonic() + 60
    while True:
        made = await office.data(social, {"referral": first}, office.worker, "CreateReferral")
        if made["createReferral"]["__typename"] == "Referral":
            break
        assert made["createReferral"]["code"] == "service-unavailable", made
        assert time.monotonic() < deadline, made
        await asyncio.sleep(0.5)
    referral_id = made["createReferral"]["id"]

    pairs = [
        (social, {"referral": _sendable(c), "key": f"pair-{i}-{c}"})
        for i, c in enumerate(claimants[1 : PAIRS + 1])
    ]
    created = await office.many(
        [
            (doc, variables, office.worker, "CreateReferral")
            for doc, variables in pairs
            for _ in "ab"
        ]
    )
    results = [c["createReferral"] for c in created]
    assert {r["__typename"] for r in results} == {"Referral"}, results
    for a, b in zip(results[::2], results[1::2], strict=True):
        assert a["id"] == b["id"]  # one referral per pair
    assert len({r["id"] for r in results}) == PAIRS

    notes = await office.many(
        [
            (NOTE, {"id": referral_id, "body": f"note {i}"}, who, None)
            for i, who in enumerate([office.worker, office.partner] * (PARALLEL // 2))
        ]
    )
    assert {n["addReferralNote"]["__typename"] for n in notes} == {"Note"}
    reads = await office.many([(AUDITED, {"id": referral_id}, office.partner, None)] * PARALLEL)
    for single in range(10):
        reads.append(await office.data(AUDITED, {"id": referral_id}, office.partner))
        assert len(reads[-1]["referral"]["notes"]) == PARALLEL, single
    assert all(r["referral"]["sharedDetails"] for r in reads)


async def verify_chain(referrals_url: str, admin: str) -> None:
    """The audit log's hash chain holds after all of it."""
    async with httpx.AsyncClient(base_url=referrals_url, timeout=30) as client:
        verified = (await client.get("/audit/verify", headers=bearer(admin))).json()
    assert verified["ok"] is True and verified["checked"] > 4 * PARALLEL, verified


# --- the embedded default, as `./harbour up` runs it ------------------------------------


def _gateway_post(env: dict[str, str], client: httpx.AsyncClient) -> Post:
    url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/graphql"

    async def post(
        document: str, variables: dict[str, Any], token: str | None, operation: str | None
    ) -> httpx.Response:
        body = {"query": document, "variables": variables, "operationName": operation}
        return await client.post(url, json=body, headers=bearer(token) if token else {})

    return post


async def test_a_busy_office_on_the_embedded_default(
    local: tuple[Runner, dict[str, str]],
) -> None:
    runner, env = local
    tokens = json.loads((runner.data_dir / "tokens.json").read_text())
    async with httpx.AsyncClient(timeout=60) as client:
        office = Office(
            _gateway_post(env, client), tokens["social_worker"], tokens["partner_staff"]
        )
        await busy_office(office)
    await verify_chain(f"http://127.0.0.1:{env['REFERRALS_PORT']}", tokens["network_admin"])


def _readme_commands() -> list[str]:
    """The shell commands of the README's examples that ask a running Harbour something."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    return [b.strip() for b in blocks if b.lstrip().startswith("curl")]


def test_the_readme_examples_print_results_when_pasted(
    local: tuple[Runner, dict[str, str]],
) -> None:
    _, env = local
    commands = _readme_commands()
    assert commands
    for command in commands:
        # Exactly as written, but on this stack's ports.
        command = command.replace("127.0.0.1:8001", f"127.0.0.1:{env['DIRECTORY_PORT']}")
        command = command.replace("127.0.0.1:8000", f"127.0.0.1:{env['GATEWAY_PORT']}")
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["total_items"] > 0 and answer["contents"], answer


def _service_pid(data_dir: Path, name: str) -> int:
    """The process of one service started by the runner for `data_dir`."""
    for pid in harbour_processes(data_dir):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(f"harbour-{name}".encode()) for part in cmdline):
            return pid
    raise AssertionError(f"no {name} process")


def test_a_killed_service_comes_back_and_nothing_else_stops(
    local: tuple[Runner, dict[str, str]],
) -> None:
    runner, env = local
    others = {n: _service_pid(runner.data_dir, n) for n in ("directory", "notifications")}
    others["gateway"] = _service_pid(runner.data_dir, "gateway")
    victim = _service_pid(runner.data_dir, "referrals")
    os.kill(victim, signal.SIGKILL)
    health = f"http://127.0.0.1:{env['REFERRALS_PORT']}/healthz"
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}/graphql"
    deadline = time.monotonic() + 30
    searches = 0
    with httpx.Client(timeout=10) as client:
        while True:
            # The gateway answers for the services that are up all the while.
            found = client.post(gateway, json={"query": HEALTH}).json()
            assert "errors" not in found, found
            searches += 1
            try:
                if client.get(health).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, runner.text()
    assert searches > 1
    assert _service_pid(runner.data_dir, "referrals") != victim
    assert {n: _service_pid(runner.data_dir, n) for n in others} == others
    printed = runner.text()
    assert "referrals stopped unexpectedly (killed by SIGKILL)" in printed
    assert "referrals restarted" in printed
    assert runner.process.poll() is None


# --- the same office on PostgreSQL -----------------------------------------------------


@pytest.fixture
async def pg_stack(
    start_service: StartService, serve: Serve, keys: Keys, nats_url: str, namespace: str
) -> AsyncIterator[Any]:
    async def _seed(directory: Running) -> None:
        await seed(directory.service)

    async with start_stack(
        start_service, serve, keys, nats_url, namespace, backend="postgresql", seed=_seed
    ) as running:
        yield running


@pytest.mark.postgres
async def test_a_busy_office_on_postgresql(pg_stack: Any, mint: Mint) -> None:
    async def post(
        document: str, variables: dict[str, Any], token: str | None, operation: str | None
    ) -> httpx.Response:
        body = {"query": document, "variables": variables, "operationName": operation}
        response: httpx.Response = await pg_stack.client.post(
            "/graphql", json=body, headers=bearer(token) if token else {}
        )
        return response

    office = Office(
        post,
        mint("social_worker", org=CARE_NETWORK, sub="worker-busy"),
        mint("partner_staff", org=LEGAL_CLINIC, sub="partner-busy"),
    )
    await busy_office(office)
    admin = bearer(mint("network_admin"))
    verified = (await pg_stack.referrals.client.get("/audit/verify", headers=admin)).json()
    assert verified["ok"] is True and verified["checked"] > 4 * PARALLEL, verified
