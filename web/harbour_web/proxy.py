"""The consoles' same-origin door to the gateway: GraphQL over HTTP and graphql-transport-ws.

The browser never holds a token: this door adds the session's access token on the way out.
Every request must come from our own pages (Origin) and carry the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
import orjson
from fastapi import APIRouter, Request, Response, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection

from harbour_kit.errors import problem
from harbour_web.gateway import Gateway, GatewayError
from harbour_web.sessions import SESSION_KEY
from harbour_web.signin import Auth

PROTOCOL = "graphql-transport-ws"
MAX_BODY = 64 * 1024  # a console request is a small document and its variables


def same_origin(connection: HTTPConnection) -> bool:
    """Whether the request comes from our own pages (no Origin: not a browser's cross-site call)."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == connection.headers.get("host", "")


def _signed_out() -> Response:
    return Response(
        b'{"errors":[{"message":"Your session has ended; sign in again.",'
        b'"extensions":{"code":"UNAUTHENTICATED"}}]}',
        status_code=401,
        media_type="application/json",
        headers=_no_store(),
    )


def router(gateway: Gateway, auth: Auth) -> APIRouter:
    """`POST /graphql` and `WS /graphql`, passed to the gateway with the session's token."""
    routes = APIRouter()

    @routes.post("/graphql", include_in_schema=False)
    async def graphql(request: Request) -> Response:
        if not same_origin(request):
            return problem(403, "cross-origin", "Requests must come from Harbour's own pages.")
        headers = {"content-type": "application/json", "accept": "application/json"}
        if request.session.get(SESSION_KEY) is not None:
            session = auth.session(request)
            if session is None:
                return _signed_out()
            if request.headers.get("x-csrf-token") != session.csrf:
                return problem(403, "csrf", "The page is out of date; reload it.")
            token = await auth.token(session)
            if token is None:
                return _signed_out()
            headers["authorization"] = f"Bearer {token}"
        body = await request.body()
        if len(body) > MAX_BODY:
            return problem(
                413,
                "body-too-large",
                f"The request body is larger than {MAX_BODY} bytes.",
                errors=[{"field": "body", "message": f"at most {MAX_BODY} bytes"}],
            )
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
        session = auth.session(socket)
        token = await auth.token(session) if session is not None else None
        if not same_origin(socket) or token is None:
            await socket.close(code=4403)
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
            await _pump(socket, upstream, _with_token(token))

    return routes


def _no_store() -> dict[str, str]:
    return {"cache-control": "no-store"}


def _with_token(token: str) -> Callable[[str], str]:
    """Puts the session's token into `connection_init`; other frames pass unchanged."""

    def rewrite(frame: str) -> str:
        try:
            message = orjson.loads(frame)
        except orjson.JSONDecodeError:
            return frame
        if isinstance(message, dict) and message.get("type") == "connection_init":
            message["payload"] = {"authorization": f"Bearer {token}"}
            return orjson.dumps(message).decode()
        return frame

    return rewrite


async def _pump(
    socket: WebSocket, upstream: aiohttp.ClientWebSocketResponse, rewrite: Callable[[str], str]
) -> None:
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
                await upstream.send_str(rewrite(await socket.receive_text()))

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
