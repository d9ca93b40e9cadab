"""Shared fixtures: real NATS and PostgreSQL, fresh migrated databases, running services."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from harbour_kit.auth import mint_token
from harbour_kit.keys import ensure_keypair
from harbour_kit.migrations import upgrade
from harbour_kit.service import Service
from harbour_kit.settings import ServiceSettings
from tests.harness import (
    LocalNats,
    LocalPostgres,
    create_database,
    docker_answers,
    drop_database,
    free_port,
)

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = {
    "directory": ROOT / "services/directory/harbour_directory/migrations",
    "referrals": ROOT / "services/referrals/harbour_referrals/migrations",
    "notifications": ROOT / "services/notifications/harbour_notifications/migrations",
}


# --- infrastructure ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """NATS with JetStream: HARBOUR_NATS_URL, else a container, else a local nats-server."""
    if os.environ.get("HARBOUR_NATS_URL"):
        yield os.environ["HARBOUR_NATS_URL"]
        return
    if docker_answers():
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.waiting_utils import wait_for_logs

        container = DockerContainer("nats:2.12-alpine").with_command("-js").with_exposed_ports(4222)
        with container:
            wait_for_logs(container, "Server is ready")
            port = container.get_exposed_port(4222)
            yield f"nats://{container.get_container_host_ip()}:{port}"
        return
    server = LocalNats()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL (with PostGIS) superuser URL: env, else a container, else local binaries."""
    if os.environ.get("HARBOUR_TEST_DATABASE_URL"):
        yield os.environ["HARBOUR_TEST_DATABASE_URL"]
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgis/postgis:15-3.4", driver=None) as container:
            yield container.get_connection_url()
        return
    server = LocalPostgres()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Runs a test once on the embedded SQLite default and once on PostgreSQL."""
    return str(request.param)


@dataclass
class Databases:
    """Makes fresh, migrated databases: PostgreSQL from templates, SQLite from file copies."""

    pg_admin_url: str | None
    scratch: Path
    templates: dict[tuple[str, str], str]
    created: list[str]

    async def _template(self, service: str, backend: str) -> str:
        key = (service, backend)
        if key not in self.templates:
            if backend == "sqlite":
                path = self.scratch / f"template-{service}.db"
                url = f"sqlite+aiosqlite:///{path}"
                await asyncio.to_thread(upgrade, MIGRATIONS[service], url)
                self.templates[key] = str(path)
            else:
                assert self.pg_admin_url is not None
                url = await create_database(self.pg_admin_url)
                await asyncio.to_thread(upgrade, MIGRATIONS[service], url)
                self.templates[key] = url.rpartition("/")[2]
        return self.templates[key]

    async def empty(self, backend: str) -> str:
        """The URL of a new, empty database."""
        if backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.scratch / uuid.uuid4().hex[:10]}.db"
        assert self.pg_admin_url is not None
        url = await create_database(self.pg_admin_url)
        self.created.append(url)
        return url

    async def fresh(self, service: str, backend: str) -> str:
        """The URL of a new database holding `service`'s schema."""
        template = await self._template(service, backend)
        if backend == "sqlite":
            path = self.scratch / f"{service}-{uuid.uuid4().hex[:10]}.db"
            shutil.copyfile(template, path)
            return f"sqlite+aiosqlite:///{path}"
        assert self.pg_admin_url is not None
        url = await create_database(self.pg_admin_url, template=template)
        self.created.append(url)
        return url


@pytest.fixture(scope="session")
async def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Databases]:
    """The session's database maker (PostgreSQL is started only when a test needs it)."""
    needs_pg = any(
        "backend" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        for item in request.session.items
    )
    admin = request.getfixturevalue("pg_admin_url") if needs_pg else None
    maker = Databases(admin, tmp_path_factory.mktemp("db"), {}, [])
    yield maker
    if admin:
        for url in maker.created + [
            f"{admin.rpartition('/')[0]}/{name}"
            for (_, backend), name in maker.templates.items()
            if backend == "postgresql"
        ]:
            await drop_database(admin, url)


# --- identity --------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    private_pem: str
    public_path: Path


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """A local signing key pair for the session."""
    private_path, public_path = ensure_keypair(tmp_path_factory.mktemp("keys"))
    return Keys(private_path.read_text(), public_path)


Mint = Callable[..., str]


@pytest.fixture(scope="session")
def mint(keys: Keys) -> Mint:
    """Mints a token: `mint("org_admin", org="…")`."""

    def _mint(*roles: str, org: str | None = None, sub: str = "tester", **kwargs: Any) -> str:
        return mint_token(keys.private_pem, sub=sub, org_id=org, roles=list(roles), **kwargs)

    return _mint


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for `token`."""
    return {"authorization": f"Bearer {token}"}


# --- running services ------------------------------------------------------------------


@dataclass
class Running:
    """A service started in this process, with an HTTP client on its application."""

    service: Service
    app: FastAPI
    client: httpx.AsyncClient


StartService = Callable[..., Awaitable[Running]]


@pytest.fixture
def namespace() -> str:
    """A subject/stream namespace of this test alone, so tests never see each other's events."""
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
async def start_service(
    databases: Databases, nats_url: str, keys: Keys, namespace: str
) -> AsyncIterator[StartService]:
    """Starts services in-process on fresh databases, sharing this test's NATS namespace."""
    running: list[Running] = []

    async def _start(
        name: str,
        backend: str = "sqlite",
        *,
        database_url: str | None = None,
        app_options: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> Running:
        """Starts `name` with settings `overrides`; `app_options` go to its `create` as they are."""
        module = __import__(f"harbour_{name}.main", fromlist=["build_service", "create"])
        settings_module = __import__(f"harbour_{name}.settings", fromlist=["*"])
        settings_class = next(
            v
            for k, v in vars(settings_module).items()
            if isinstance(v, type) and issubclass(v, ServiceSettings) and k != "ServiceSettings"
        )
        values: dict[str, Any] = {
            "database_url": database_url or await databases.fresh(name, backend),
            "nats_url": nats_url,
            "events_namespace": namespace,
            "jwt_public_key_file": keys.public_path,
            "events_backoff": [0.2, 0.4],
            "events_max_deliver": 3,
            "events_ack_wait": 2.0,
            "outbox_poll_interval": 0.2,
        }
        values.update(overrides)
        settings = settings_class(**values)
        app = module.create(settings, **(app_options or {}))
        service: Service = app.state.service
        await service.start()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
        )
        item = Running(service, app, client)
        running.append(item)
        return item

    yield _start
    for item in reversed(running):
        await item.client.aclose()
        await item.service.stop()


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float = 15.0, interval: float = 0.1
) -> Any:
    """Polls `check` until it returns something truthy; fails with its last result."""
    deadline = asyncio.get_running_loop().time() + within
    result: Any = None
    while asyncio.get_running_loop().time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s (last: {result!r})")


Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serves ASGI applications on real loopback ports for the test."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def _serve(
        app: FastAPI, *, lifespan: Literal["on", "off"] = "off", port: int | None = None
    ) -> str:
        port = port or free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, lifespan=lifespan, log_config=None)
        )
        task = asyncio.create_task(server.serve())
        servers.append((server, task))

        async def started() -> bool:
            return bool(server.started)

        await eventually(started, within=10, interval=0.02)
        return f"http://127.0.0.1:{port}"

    yield _serve
    for server, task in reversed(servers):
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
