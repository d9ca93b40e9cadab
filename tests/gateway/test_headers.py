"""Security headers on the gateway's answers; GraphiQL's policy allows exactly what it loads."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from harbour_kit.headers import API_POLICY, HSTS


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directives(policy: str) -> dict[str, list[str]]:
    """A policy as directive name → sources."""
    parts = (d.split() for d in policy.split(";"))
    return {p[0]: p[1:] for p in parts if p}


async def test_api_answers_carry_the_headers_and_hsts_only_over_tls(gateway: str) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        for response in (
            await client.post("/graphql", json={"query": "{ __typename }"}),
            await client.post(
                "/graphql", content=b"null", headers={"content-type": "application/json"}
            ),
            await client.get("/healthz"),
            await client.get("/no-such-route"),
        ):
            assert response.headers["content-security-policy"] == API_POLICY
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in response.headers
        # The test client is loopback, a trusted proxy: its X-Forwarded-Proto is believed.
        tls = await client.get("/healthz", headers={"x-forwarded-proto": "https"})
        assert tls.headers["strict-transport-security"] == HSTS


async def test_graphiql_allows_its_pinned_scripts_and_hashed_inline_script_only(
    gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=gateway) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        docs = await client.get("/docs")
    assert page.status_code == 200 and "defaultTabs" in page.text
    policy = directives(page.headers["content-security-policy"])
    scripts = re.findall(r'<script\s+crossorigin\s+src="([^"]+)"', page.text)
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 5 and len(inline) == 1
    # Every file from the gateway itself, pinned by version in its address and by integrity hash.
    assert all(re.fullmatch(r"/_assets/[\w.-]+-\d[\w.]*/[\w.-]+\.js", url) for url in scripts)
    assert page.text.count('integrity="sha384-') == 7
    assert policy["script-src"] == ["'self'", sha256(inline[0])]
    assert policy["font-src"] == ["data:"]  # GraphiQL's stylesheet embeds its fonts
    assert "https:" not in page.headers["content-security-policy"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    assert docs.status_code == 200
    assert "https:" not in docs.headers["content-security-policy"]
