"""The anonymous search limit counts the real client behind a trusted proxy, and only there."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from harbour_gateway.main import _client_address


def _connection(peer: str, forwarded: str | None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return HTTPConnection({"type": "http", "client": (peer, 5000), "headers": headers})


def test_a_trusted_proxy_names_the_client() -> None:
    assert _client_address(_connection("127.0.0.1", "203.0.113.7, 10.0.0.2"), ["127.0.0.1"]) == (
        "203.0.113.7"
    )


def test_anyone_else_is_counted_by_their_own_address() -> None:
    assert _client_address(_connection("198.51.100.9", "203.0.113.7"), ["127.0.0.1"]) == (
        "198.51.100.9"
    )
    assert _client_address(_connection("127.0.0.1", None), ["127.0.0.1"]) == "127.0.0.1"
