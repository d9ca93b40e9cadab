"""Nothing a claimant told us is readable on disk: logs, databases, WAL files, NATS store, mail.

A social worker's requests carry a made-up name and phone number through every kind of path a
mistake takes (a valid mutation, an invalid one, a syntax error, a REST validation error); then
every file under the runner's data folder is searched byte by byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import bearer
from tests.e2e.local import Runner

NAME = "Qadira Nightingale-Oyelaran"
PHONE = "+85255507319"
PHONE_DIGITS = "55507319"
RECORD = """mutation RecordClaimant($details: ClaimantInput!) {
  recordClaimant(details: $details) { __typename ... on ClaimantRecorded { id } }
}"""


def plain_text_hits(folder: Path, needles: list[str]) -> list[str]:
    """Files under `folder` holding any of `needles` as UTF-8 bytes."""
    wanted = [n.encode() for n in needles]
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            hits += [f"{path}: {n.decode()}" for n in wanted if n in content]
    return hits


def test_a_claimants_details_are_nowhere_in_plain_text(
    local: tuple[Runner, dict[str, str]],
) -> None:
    runner, env = local
    tokens = json.loads((runner.data_dir / "tokens.json").read_text())
    worker = bearer(tokens["social_worker"])
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}/graphql"
    details = {"name": NAME, "phone": PHONE, "languages": ["ur"]}
    with httpx.Client(timeout=30) as client:
        valid = client.post(
            gateway, json={"query": RECORD, "variables": {"details": details}}, headers=worker
        ).json()
        assert valid["data"]["recordClaimant"]["__typename"] == "ClaimantRecorded", valid
        invalid = client.post(
            gateway,
            json={
                "query": RECORD,
                "variables": {"details": {**details, "interpreterNeeded": NAME}},
            },
            headers=worker,
        ).json()
        assert invalid["errors"] and invalid.get("data") is None
        broken = client.post(
            gateway,
            json={
                "query": f'mutation {{ recordClaimant(details: {{name: "{NAME}", phone: "{PHONE}"'
            },
            headers=worker,
        ).json()
        assert broken["errors"]
        rest = client.post(
            f"http://127.0.0.1:{env['REFERRALS_PORT']}/claimants",
            json={**details, "languages": NAME},
            headers=worker,
        )
        assert rest.status_code == 422
    # Every process's log has been written to by now (one more request to flush the gateway's).
    assert httpx.get(f"http://127.0.0.1:{env['GATEWAY_PORT']}/healthz").status_code == 200
    assert plain_text_hits(runner.data_dir, [NAME, PHONE, PHONE_DIGITS]) == []
    assert "graphql_error" in (runner.data_dir / "logs" / "gateway.log").read_text()


def test_webhook_secrets_are_nowhere_in_plain_text(local: tuple[Runner, dict[str, str]]) -> None:
    runner, env = local
    tokens = json.loads((runner.data_dir / "tokens.json").read_text())
    admin = bearer(tokens["org_admin"])
    notifications = f"http://127.0.0.1:{env['NOTIFICATIONS_PORT']}"
    with httpx.Client(base_url=notifications, timeout=30) as client:
        # A name that never resolves: stored, but nothing is ever sent anywhere.
        made = client.post(
            "/webhooks", json={"url": "https://hooks.partner.invalid/harbour"}, headers=admin
        )
        assert made.status_code == 201, made.text
        endpoint = made.json()
        rotated = client.post(f"/webhooks/{endpoint['id']}/rotate", headers=admin)
        assert rotated.status_code == 200, rotated.text
        shown = [endpoint["secret"], rotated.json()["secret"]]
        listed = client.get("/webhooks", headers=admin).text
    assert all(secret and secret not in listed for secret in shown)
    # The base64 body of a `whsec_` secret is what signs; neither form may be on disk.
    needles = [*shown, *(s.removeprefix("whsec_") for s in shown)]
    assert plain_text_hits(runner.data_dir, needles) == []
