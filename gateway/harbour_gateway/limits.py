"""Pure ASGI guard before GraphQL: a bounded body that is a JSON object, a bounded document."""

from __future__ import annotations

from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harbour_kit.errors import problem

DRAIN = 1024 * 1024  # bytes of an over-long body still read, so the client sees the 413


def _refusal(status: int, code: str, detail: str, field: str, message: str) -> Response:
    """A problem document naming the one field at fault."""
    return problem(status, code, detail, errors=[{"field": field, "message": message}])


class RequestLimits:
    """Refuses, before any GraphQL runs, what is too large or not a GraphQL request at all."""

    def __init__(self, app: ASGIApp, *, path: str, max_body: int, max_query: int) -> None:
        self.app = app
        self.path = path
        self.max_body = max_body
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET":
            refusal = self._check_url(scope["query_string"])
        else:
            body, refusal = await self._read(receive)
            if refusal is None and "application/json" in Headers(scope=scope).get(
                "content-type", ""
            ):
                refusal = self._check_json(body)
            receive = _replay(body, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _too_long(self, query: object) -> Response | None:
        """A 413 for a document text over the limit."""
        if isinstance(query, str) and len(query) > self.max_query:
            return _refusal(
                413,
                "query-too-large",
                f"The GraphQL document is longer than {self.max_query} characters.",
                "query",
                f"at most {self.max_query} characters",
            )
        return None

    def _check_url(self, raw: bytes) -> Response | None:
        """The refusal of a GET whose query string or document is too long, if it is."""
        if len(raw) > self.max_body:
            return _refusal(
                414,
                "query-string-too-long",
                f"The query string is longer than {self.max_body} bytes; use POST.",
                "query",
                f"at most {self.max_body} bytes",
            )
        params = dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))
        return self._too_long(params.get("query"))

    def _check_json(self, body: bytes) -> Response | None:
        """The refusal of a JSON body that is not a GraphQL request object, if it is not."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _refusal(
                400, "malformed-json", "The body is not valid JSON.", "body", "is not JSON"
            )
        if not isinstance(data, dict):
            return _refusal(
                400,
                "not-a-graphql-request",
                'The body must be a JSON object such as {"query": "…", "variables": {…}}.',
                "body",
                "must be a JSON object",
            )
        return self._too_long(data.get("query"))

    async def _read(self, receive: Receive) -> tuple[bytes, Response | None]:
        """The whole body, or a 413 once it passes the limit (read on a little, then dropped)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size <= self.max_body:
                chunks.append(message.get("body", b""))
            if not message.get("more_body", False) or size > DRAIN:
                break
        if size > self.max_body:
            return b"", _refusal(
                413,
                "body-too-large",
                f"The request body is larger than {self.max_body} bytes.",
                "body",
                f"at most {self.max_body} bytes",
            )
        return b"".join(chunks), None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the body already read to the app, then waits as the server would."""
    sent = False

    async def _receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive
