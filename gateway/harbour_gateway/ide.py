"""GraphiQL with an example tab for each persona, its files served by the gateway itself."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path, PurePosixPath

from harbour_kit.docs import asset_url
from harbour_kit.headers import page_policy

EXAMPLES = Path(__file__).parent / "examples"
HEADERS = '{"Authorization": "Bearer <paste a token from `./harbour token` here>"}'
# What Strawberry's page loads: `https://unpkg.com/<package>@<version>/<path>`, each with an
# integrity hash. `harbour_kit` holds the same files, byte for byte, so the hashes still hold.
UNPKG = re.compile(
    r'https://unpkg\.com/(?P<package>@?[^"@\s]+)@(?P<version>[^/"\s]+)/(?P<path>[^"\s]+)'
)
OUTSIDE = re.compile(r'\s(?:src|href)="(?:https?:)?//')


@cache
def example_tabs() -> list[dict[str, str]]:
    """One GraphiQL tab per example document; signed-in ones get an Authorization header."""
    tabs = []
    for path in sorted(EXAMPLES.glob("*.graphql")):
        query = path.read_text(encoding="utf-8")
        tab = {"query": query}
        if not path.stem.startswith("public"):
            tab["headers"] = HEADERS
        tabs.append(tab)
    return tabs


def with_examples(html: str) -> str:
    """Strawberry's GraphiQL page with the example tabs opened by default."""
    tabs = json.dumps(example_tabs()).replace("</", "<\\/")
    return html.replace("fetcher: fetcher,", f"fetcher: fetcher, defaultTabs: {tabs},", 1)


def _served_here(found: re.Match[str]) -> str:
    # `@graphiql/plugin-explorer@1.0.2/dist/style.css` → `graphiql-plugin-explorer-1.0.2/style.css`
    folder = f"{found['package'].lstrip('@').replace('/', '-')}-{found['version']}"
    return asset_url(f"{folder}/{PurePosixPath(found['path']).name}")


def served_here(html: str) -> str:
    """The page loading each of its scripts and stylesheets from the gateway, not from unpkg."""
    page = UNPKG.sub(_served_here, html)
    if OUTSIDE.search(page):
        raise LookupError("GraphiQL's page still loads a file from elsewhere; vendor it")
    return page


@cache
def ide_page(html: str) -> tuple[str, str]:
    """The GraphiQL page with its examples, and the policy allowing exactly what it loads."""
    page = served_here(with_examples(html))
    # Its stylesheet embeds its fonts as data: URLs; its editor sets inline styles itself.
    policy = page_policy(page, fonts=["data:"], inline_styles=True)
    return page, policy
