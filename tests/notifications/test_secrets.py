"""Webhook secrets at rest: encrypted in the database, shown once, decrypted only to sign."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from alembic import command
from sqlalchemy import insert, make_url, text

from harbour_kit.crypto import generate_key_setting
from harbour_kit.db import create_engine
from harbour_kit.migrations import alembic_config, upgrade
from harbour_notifications.models import WebhookEndpoint
from harbour_notifications.webhooks import signing
from tests.conftest import MIGRATIONS, Databases, Mint, StartService, bearer, eventually
from tests.harness import free_port

ORG = "org-partner-1"
BEFORE_ENCRYPTION = "9af3b79e9170"


@dataclass
class Receiver:
    """A partner's endpoint on loopback that keeps each call's headers and body."""

    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Keeps one call."""
        self.calls.append((dict(request.headers), await request.read()))
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A receiver listening on 127.0.0.1."""
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    hook.url = f"http://127.0.0.1:{port}/hook"
    yield hook
    await runner.cleanup()


def stored_bytes(database_url: str) -> bytes:
    """Everything SQLite keeps for a database: the file and its -wal and -shm companions."""
    path = Path(str(make_url(database_url).database))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


async def stored_secrets(database_url: str) -> list[str]:
    """The `secrets` column of every endpoint, as the database holds it."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT secrets FROM webhook_endpoint"))
            return [value if isinstance(value, str) else json.dumps(value) for (value,) in rows]
    finally:
        await engine.dispose()


async def test_secrets_are_encrypted_at_rest_shown_once_and_still_sign(
    start_service: StartService,
    backend: str,
    mint: Mint,
    receiver: Receiver,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = await start_service(
        "notifications",
        backend,
        data_dir=tmp_path,
        delivery_poll_interval=0.05,
        webhook_allowed_private=["127.0.0.1"],
    )
    admin = bearer(mint("org_admin", org=ORG))
    client = service.client
    created = await client.post("/webhooks", json={"url": receiver.url}, headers=admin)
    assert created.status_code == 201, created.text
    endpoint_id, first = created.json()["id"], created.json()["secret"]
    rotated = await client.post(f"/webhooks/{endpoint_id}/rotate", headers=admin)
    second = rotated.json()["secret"]
    assert first.startswith("whsec_") and second.startswith("whsec_") and first != second
    assert (tmp_path / "keys" / "notifications-secrets.key").exists()

    shown = (await client.get("/webhooks", headers=admin)).text
    assert "secret_enc" not in shown and '"secret"' not in shown
    assert first not in shown and second not in shown
    assert "secret_enc" not in rotated.text and first not in rotated.text

    url = service.service.settings.database_url
    columns = await stored_secrets(url)
    assert len(columns) == 1 and columns[0].count('"secret_enc": "v1.') == 2
    on_disk = stored_bytes(url) if backend == "sqlite" else b""
    assert backend != "sqlite" or endpoint_id.encode() in on_disk  # the scan sees the row
    for secret in (first, second):
        key_part = secret.removeprefix("whsec_")
        assert secret not in columns[0] and key_part not in columns[0]
        assert key_part.encode() not in on_disk

    assert (await client.post(f"/webhooks/{endpoint_id}/test", headers=admin)).status_code == 202

    async def called() -> list[tuple[dict[str, str], bytes]]:
        return receiver.calls

    [(headers, body)] = await eventually(called)
    assert len(headers["webhook-signature"].split()) == 2  # the new secret and the retiring one
    signing.verify(second, headers=headers, body=body)
    signing.verify(first, headers=headers, body=body)
    logs = capsys.readouterr()
    for secret in (first, second):
        assert secret.removeprefix("whsec_") not in logs.out + logs.err


async def test_plain_secrets_from_before_are_encrypted_by_the_migration(
    start_service: StartService,
    databases: Databases,
    backend: str,
    mint: Mint,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = await databases.empty(backend)
    await asyncio.to_thread(upgrade, MIGRATIONS["notifications"], url, BEFORE_ENCRYPTION)
    plain = signing.generate_secret()
    record = {"id": "a1b2c3d4", "secret": plain, "created_at": datetime.now(UTC).isoformat()}
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            insert(WebhookEndpoint).values(
                id="e1", organization_id=ORG, url=receiver.url, secrets=[record], created_by="x"
            )
        )
    await engine.dispose()
    keys = generate_key_setting("k1")
    monkeypatch.setenv("NOTIFICATIONS_ENCRYPTION_KEYS", keys)
    await asyncio.to_thread(upgrade, MIGRATIONS["notifications"], url)
    [column] = await stored_secrets(url)
    assert plain.removeprefix("whsec_") not in column and '"secret_enc": "v1.k1.' in column
    config = alembic_config(MIGRATIONS["notifications"], url)
    await asyncio.to_thread(command.downgrade, config, BEFORE_ENCRYPTION)
    assert [json.loads(c) for c in await stored_secrets(url)] == [[record]]
    await asyncio.to_thread(upgrade, MIGRATIONS["notifications"], url)

    service = await start_service(
        "notifications",
        database_url=url,
        encryption_keys=keys,
        delivery_poll_interval=0.05,
        webhook_allowed_private=["127.0.0.1"],
    )
    admin = bearer(mint("org_admin", org=ORG))
    assert (await service.client.post("/webhooks/e1/test", headers=admin)).status_code == 202

    async def called() -> list[tuple[dict[str, str], bytes]]:
        return receiver.calls

    [(headers, body)] = await eventually(called)
    signing.verify(plain, headers=headers, body=body)
