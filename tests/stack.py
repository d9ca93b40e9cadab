"""The whole system behind a gateway on real loopback ports: services, NATS, GraphQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets
from fastapi import FastAPI

from harbour_gateway.live import Live
from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from tests.conftest import Keys, Running, StartService, bearer

EXAMPLES = Path(__file__).resolve().parents[1] / "gateway" / "harbour_gateway" / "examples"
Serve = Callable[..., Awaitable[str]]


def example(name: str) -> str:
    """An example document shipped with the gateway (the same ones GraphiQL and docs show)."""
    return (EXAMPLES / f"{name}.graphql").read_text(encoding="utf-8")


@dataclass
class Stack:
    """Running services and a gateway in front of them, reached over HTTP and WebSocket."""

    directory: Running
    referrals: Running
    notifications: Running
    url: str
    client: httpx.AsyncClient
    app: FastAPI

    async def graphql(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """Posts one GraphQL request; returns the whole response body."""
        response = await self.client.post(
            "/graphql",
            json={"query": document, "variables": variables or {}, "operationName": operation},
            headers=bearer(token) if token else {},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """The `data` of a request that must not fail."""
        body = await self.graphql(document, variables, token=token, operation=operation)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    @contextlib.asynccontextmanager
    async def listening(self, count: int) -> AsyncIterator[None]:
        """Leaves the block once `count` more subscriptions listen to the gateway's live feed."""
        live: Live = self.app.state.live
        target = live.registrations + count
        yield
        await asyncio.wait_for(live.registered(target), 10)

    async def downstream_calls(self) -> dict[str, float]:
        """Requests the gateway has made to each service, from its own /metrics."""
        text = (await self.client.get("/metrics")).text
        calls: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("harbour_gateway_downstream_requests_total{"):
                labels, value = line.rsplit(" ", 1)
                service = labels.split('service="', 1)[1].split('"', 1)[0]
                calls[service] = calls.get(service, 0) + float(value)
        return calls


@contextlib.asynccontextmanager
async def start_stack(
    start_service: StartService,
    serve: Serve,
    keys: Keys,
    nats_url: str,
    namespace: str,
    *,
    backend: str = "sqlite",
    seed: Callable[[Running], Awaitable[Any]] | None = None,
    auth: dict[str, Any] | None = None,
    **gateway: Any,
) -> AsyncIterator[Stack]:
    """Starts the three services on `backend`, then a gateway on a real port.

    `auth` holds token settings for all four (e.g. an identity provider's JWKS and issuer).
    """
    auth = auth or {}
    directory = await start_service("directory", backend, **auth)
    referrals = await start_service("referrals", backend, **auth)
    notifications = await start_service("notifications", backend, **auth)
    if seed is not None:
        await seed(directory)
    settings = GatewaySettings(
        directory_url=await serve(directory.app),
        referrals_url=await serve(referrals.app),
        notifications_url=await serve(notifications.app),
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        events_namespace=namespace,
        downstream_timeout=5.0,
        **{**auth, **gateway},
    )
    app = create(settings)
    url = await serve(app, lifespan="on")
    await asyncio.wait_for(app.state.live.ready.wait(), 10)
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        yield Stack(directory, referrals, notifications, url, client, app)


class Subscriber:
    """A graphql-transport-ws client on a real WebSocket."""

    def __init__(self, socket: websockets.ClientConnection) -> None:
        self.socket = socket

    async def subscribe(
        self, id: str, document: str, variables: dict[str, Any], *, operation: str | None = None
    ) -> None:
        """Starts one subscription."""
        payload = {"query": document, "variables": variables, "operationName": operation}
        message = {"id": id, "type": "subscribe", "payload": payload}
        await self.socket.send(json.dumps(message))

    async def next(self, within: float = 5.0) -> dict[str, Any]:
        """The next message that is not a ping."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), within))
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))
                continue
            return message


@contextlib.asynccontextmanager
async def subscriber(url: str, token: str | None) -> AsyncIterator[Subscriber]:
    """Connects and initialises a graphql-transport-ws session, with `token` if given."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as socket:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        yield Subscriber(socket)
