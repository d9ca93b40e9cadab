"""Security headers on every service answer; the docs page allows exactly what it loads."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from harbour_kit.headers import API_POLICY, HSTS, SecurityHeaders, page_policy
from tests.conftest import StartService

PAGE = """<!doctype html><html><head>
<link rel="stylesheet" href="https://cdn.example/ui@1/ui.css">
<link rel="icon" href="https://cdn.example/favicon.png">
<style>body { margin: 0 }</style>
</head><body><div id="app"></div>
<script src="https://cdn.example/ui@1/ui.js" integrity="sha384-x" crossorigin></script>
<script>
  start({"url": "/openapi.json", "note": "a < b && c > d"});
</script>
</body></html>"""


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    """A policy as directive name → sources."""
    parts = (d.split() for d in policy.split(";"))
    return {p[0]: p[1:] for p in parts if p}


def test_a_page_policy_allows_its_own_scripts_and_styles_and_nothing_else() -> None:
    inline = '\n  start({"url": "/openapi.json", "note": "a < b && c > d"});\n'
    policy = directives(page_policy(PAGE))
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["https://cdn.example/ui@1/ui.js", sha256(inline)]
    assert policy["style-src"] == ["https://cdn.example/ui@1/ui.css", sha256("body { margin: 0 }")]
    assert policy["img-src"] == ["data:", "https://cdn.example/favicon.png"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    relaxed = directives(page_policy(PAGE, inline_styles=True, fonts=["https://fonts.example"]))
    assert relaxed["style-src"] == ["https://cdn.example/ui@1/ui.css", "'unsafe-inline'"]
    assert relaxed["font-src"] == ["https://fonts.example"]
    local = directives(page_policy(PAGE.replace("https://cdn.example/", "/_assets/")))
    assert local["script-src"] == ["'self'", sha256(inline)]  # CSP has no paths: this origin
    assert local["style-src"][0] == "'self'" and local["img-src"] == ["data:", "'self'"]


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(SecurityHeaders, trusted_proxies=["10.0.0.2"])

    @app.get("/")
    async def root() -> PlainTextResponse:
        return PlainTextResponse("hello")

    return app


async def _headers(base_url: str, client: str, forwarded: str | None = None) -> httpx.Headers:
    transport = httpx.ASGITransport(app=_app(), client=(client, 5000))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
        sent = {"x-forwarded-proto": forwarded} if forwarded else {}
        return (await http.get("/", headers=sent)).headers


async def test_hsts_only_over_tls_or_from_a_trusted_proxy_that_says_so() -> None:
    plain = await _headers("http://svc", "203.0.113.5")
    assert plain["content-security-policy"] == API_POLICY
    assert plain["referrer-policy"] == "no-referrer"
    assert plain["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in plain
    assert (await _headers("https://svc", "203.0.113.5"))["strict-transport-security"] == HSTS
    proxied = await _headers("http://svc", "10.0.0.2", "https")
    assert proxied["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in await _headers("http://svc", "203.0.113.5", "https")
    assert "strict-transport-security" not in await _headers("http://svc", "10.0.0.2", "http")


async def test_service_answers_carry_the_headers_and_docs_allow_what_they_load(
    start_service: StartService,
) -> None:
    directory = await start_service("directory")
    for path in ("/services", "/services/nope", "/no-such-route", "/openapi.json"):
        headers = (await directory.client.get(path)).headers
        assert headers["content-security-policy"] == API_POLICY, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert (await directory.client.get("/redoc")).status_code == 404
    docs = await directory.client.get("/docs", headers={"x-forwarded-proto": "https"})
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.text
    policy = directives(docs.headers["content-security-policy"])
    # Swagger UI's files come from the service itself (`/_assets/…`), so `'self'`, never a CDN.
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    styles = re.findall(r'rel="stylesheet" href="([^"]+)"', docs.text)
    assert scripts and styles and all(u.startswith("/_assets/") for u in [*scripts, *styles])
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert policy["script-src"] == ["'self'", *map(sha256, inline)]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]  # Swagger UI's style attributes
    assert policy["img-src"] == ["data:", "'self'"]  # its favicon
    assert policy["frame-ancestors"] == ["'none'"]
    assert docs.headers["strict-transport-security"] == HSTS  # the test client is a trusted peer
