"""The consoles' same-origin door to the gateway: GraphQL over HTTP and graphql-transport-ws."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect

from harbour_kit.errors import problem
from harbour_web.gateway import Gateway, GatewayError

PROTOCOL = "graphql-transport-ws"
MAX_BODY = 64 * 1024  # a console request is a small document and its variables


def router(gateway: Gateway) -> APIRouter:
    """`POST /graphql` and `WS /graphql`, passed through to the gateway unchanged."""
    routes = APIRouter()

    @routes.post("/graphql", include_in_schema=False)
    async def graphql(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return problem(
                413,
                "body-too-large",
                f"The request body is larger than {MAX_BODY} bytes.",
                errors=[{"field": "body", "message": f"at most {MAX_BODY} bytes"}],
            )
        headers = {"content-type": "application/json", "accept": "application/json"}
        if auth := request.headers.get("authorization"):
            headers["authorization"] = auth
        try:
            status, answer = await gateway.post(body, headers)
        except GatewayError:
            return Response(
                b'{"errors":[{"message":"The gateway is not reachable.",'
                b'"extensions":{"code":"SERVICE_UNAVAILABLE"}}]}',
                status_code=502,
                media_type="application/json",
            )
        return Response(
            answer, status_code=status, media_type="application/json", headers=_no_store()
        )

    @routes.websocket("/graphql")
    async def live(socket: WebSocket) -> None:
        if PROTOCOL not in socket.scope.get("subprotocols", []):
            await socket.close(code=4406)
            return
        try:
            upstream = await gateway.session.ws_connect(
                gateway.ws_url, protocols=(PROTOCOL,), heartbeat=None
            )
        except (aiohttp.ClientError, TimeoutError):
            await socket.close(code=1011)
            return
        await socket.accept(subprotocol=PROTOCOL)
        async with upstream:
            await _pump(socket, upstream)

    return routes


def _no_store() -> dict[str, str]:
    return {"cache-control": "no-store"}


async def _pump(socket: WebSocket, upstream: aiohttp.ClientWebSocketResponse) -> None:
    """Copies text frames both ways until either side closes."""

    async def down() -> None:
        async for message in upstream:
            if message.type == aiohttp.WSMsgType.TEXT:
                await socket.send_text(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                # The gateway may send its JSON as bytes; the protocol's messages are text.
                await socket.send_text(message.data.decode("utf-8"))
            else:
                break

    async def up() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await upstream.send_str(await socket.receive_text())

    tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    code = upstream.close_code or 1000
    # 1005 and 1006 only describe a close; they may not be sent in one.
    with contextlib.suppress(Exception):
        await socket.close(code=code if code >= 1000 and code not in {1005, 1006} else 1000)
