"""Browser security headers on every response, and content security policies built from a page."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON answers load nothing, run nothing and are framed by nobody.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"


def _sha256(text: str) -> str:
    """The CSP source that allows an inline script or style with exactly this text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class _Assets(HTMLParser):
    """What an HTML page loads: script and stylesheet URLs, icons, inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.images: list[str] = []
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self._inside: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "script" and found.get("src"):
            self.scripts.append(found["src"])
        elif tag in {"script", "style"}:
            self._inside, self._text = tag, []
        elif tag == "link":
            rel = found.get("rel", "").split()
            if "stylesheet" in rel:
                self.stylesheets.append(found.get("href", ""))
            elif "icon" in rel and found.get("href", "").startswith(("https://", "/")):
                self.images.append(found["href"])

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            text = "".join(self._text)
            (self.inline_scripts if tag == "script" else self.inline_styles).append(text)
            self._inside = None


def _source(value: str) -> str:
    """A URL as a source: a path on this origin (`/_assets/…`) is `'self'`, as CSP has no paths."""
    return "'self'" if value.startswith("/") and not value.startswith("//") else value


def _sources(values: Iterable[str]) -> str:
    """Distinct sources in order, or `'none'`."""
    unique = list(dict.fromkeys(_source(v) for v in values if v))
    return " ".join(unique) or "'none'"


def page_policy(
    html: str,
    *,
    styles: Sequence[str] = (),
    fonts: Sequence[str] = (),
    inline_styles: bool = False,  # for third-party bundles that set style attributes themselves
) -> str:
    """A policy allowing exactly the scripts and stylesheets `html` loads, inline ones by hash.

    Files on this origin (`/_assets/…`) are allowed as `'self'`.
    """
    assets = _Assets()
    assets.feed(html)
    assets.close()
    scripts = [*assets.scripts, *(_sha256(text) for text in assets.inline_scripts)]
    inline = ["'unsafe-inline'"] if inline_styles else [_sha256(s) for s in assets.inline_styles]
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {_sources(scripts)}",
            f"style-src {_sources([*assets.stylesheets, *styles, *inline])}",
            f"img-src {_sources(['data:', *assets.images])}",
            f"font-src {_sources(fonts)}",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def over_tls(scope: Scope, trusted_proxies: Sequence[str]) -> bool:
    """Whether the request came over TLS: to us, or to a trusted proxy that says so."""
    if scope.get("scheme") in {"https", "wss"}:
        return True
    peer = scope["client"][0] if scope.get("client") else None
    if peer not in trusted_proxies:
        return False
    forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
    return forwarded.split(",")[0].strip().lower() == "https"


class SecurityHeaders:
    """Pure ASGI: adds the security headers to every HTTP response that does not set its own."""

    def __init__(
        self, app: ASGIApp, *, policy: str = API_POLICY, trusted_proxies: Sequence[str] = ()
    ) -> None:
        self.app = app
        self.policy = policy
        self.trusted_proxies = list(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = over_tls(scope, self.trusted_proxies)

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", self.policy)
                headers.setdefault("referrer-policy", "no-referrer")
                headers.setdefault("x-content-type-options", "nosniff")
                if tls:
                    headers.setdefault("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, _send)
