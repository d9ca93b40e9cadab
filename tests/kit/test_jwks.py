"""In production tokens come from an OIDC provider: keys are read from its JWKS URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from harbour_kit.auth import TokenVerifier
from harbour_kit.errors import Unauthorized

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """A real HTTP server publishing one RSA signing key, as an OIDC provider does."""
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


def _token(key: rsa.RSAPrivateKey, kid: str = "k1") -> str:
    claims = {
        "sub": "kc-user",
        "org_id": "org-1",
        "roles": ["partner_staff"],
        "iss": "https://id",
        "aud": "harbour",
        "exp": 4102444800,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_tokens_signed_by_the_provider_are_accepted(jwks_url: str) -> None:
    verifier = TokenVerifier(
        issuer="https://id", audience="harbour", algorithms=["RS256"], jwks_url=jwks_url
    )
    principal = await verifier.verify(_token(KEY))
    assert (principal.sub, principal.org_id, principal.roles) == (
        "kc-user",
        "org-1",
        frozenset({"partner_staff"}),
    )


async def test_tokens_signed_by_anyone_else_are_refused(jwks_url: str) -> None:
    verifier = TokenVerifier(
        issuer="https://id", audience="harbour", algorithms=["RS256"], jwks_url=jwks_url
    )
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(OTHER))
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(OTHER, kid="unknown"))
