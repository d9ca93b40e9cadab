"""The README's run command: everything up on SQLite, one query across all services, clean stop."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from harbour_directory.demo import sample_directory
from harbour_runner.cli import EXAMPLE_QUERY
from harbour_runner.personas import LEGAL_CLINIC
from tests.e2e.local import SERVICES, Runner, harbour_processes, runner_environment

CLINIC_SERVICES = next(len(o["services"]) for o in sample_directory() if o["id"] == LEGAL_CLINIC)


@pytest.fixture
def runner_env() -> dict[str, str]:
    return runner_environment()


def _overview(env: dict[str, str], token: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/graphql"
    deadline = time.monotonic() + 30
    while True:
        result = httpx.post(
            url,
            json={"query": EXAMPLE_QUERY},
            headers={"authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        data = result.get("data") or {}
        found = (data.get("nearbyServices") or {}).get("edges") or []
        if len(found) == 3 and data.get("unreadCount") == CLINIC_SERVICES:
            return dict(result)
        assert time.monotonic() < deadline, result
        time.sleep(0.5)


def test_run_command_serves_all_services_stops_cleanly_and_keeps_data(
    tmp_path: Path, runner_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    first = Runner(data_dir, runner_env)
    try:
        printed = first.wait_running()
        gateway = f"http://127.0.0.1:{runner_env['GATEWAY_PORT']}"
        assert f"{gateway}/graphql" in printed
        for prefix in SERVICES[:3]:
            assert f"http://127.0.0.1:{runner_env[prefix + '_PORT']}/docs" in printed
        web = f"http://127.0.0.1:{runner_env['WEB_PORT']}/"
        assert web in printed  # the web app is served and its address printed
        page = httpx.get(web, params={"near": "Chungking Mansions", "need": "legal"}, timeout=20)
        assert page.status_code == 200 and "Chungking Mansions" in page.text
        tokens = json.loads((data_dir / "tokens.json").read_text())
        assert {"social_worker", "partner_staff", "org_admin"} <= set(tokens)
        for token in tokens.values():
            assert token in printed
        result = _overview(runner_env, tokens["org_admin"])
        assert "errors" not in result
        first_found = result["data"]["nearbyServices"]
    finally:
        assert first.interrupt() == 0
    assert "All Harbour processes stopped." in first.text()
    assert harbour_processes(data_dir) == []

    # Second run on the same data, with the NATS port now taken by someone else.
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", int(runner_env["HARBOUR_LOCAL_NATS_PORT"])))
        squatter.listen()
        second = Runner(data_dir, runner_env)
        try:
            printed = second.wait_running()
            assert "is already taken" in printed and "HARBOUR_LOCAL_NATS_PORT" in printed
            tokens = json.loads((data_dir / "tokens.json").read_text())
            result = _overview(runner_env, tokens["org_admin"])
            # Same data, nothing doubled: the same listings, one notice per listing still.
            assert result["data"]["nearbyServices"] == first_found
            assert result["data"]["unreadCount"] == CLINIC_SERVICES
        finally:
            assert second.interrupt() == 0
    assert harbour_processes(data_dir) == []


def test_a_taken_service_port_is_named_with_its_variable(
    tmp_path: Path, runner_env: dict[str, str]
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(runner_env["REFERRALS_PORT"])))
        squatter.listen()
        runner = Runner(tmp_path / "data", runner_env)
        assert runner.process.wait(120) != 0
    assert "REFERRALS_PORT" in runner.text()
    assert harbour_processes(tmp_path / "data") == []
