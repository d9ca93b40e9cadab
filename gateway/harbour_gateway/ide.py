"""GraphiQL with an example tab for each persona, from the documents in `examples/`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from harbour_kit.headers import page_policy

EXAMPLES = Path(__file__).parent / "examples"
HEADERS = '{"Authorization": "Bearer <paste a token from `./harbour token` here>"}'


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


@cache
def ide_page(html: str) -> tuple[str, str]:
    """The GraphiQL page with its examples, and the policy allowing exactly what it loads."""
    page = with_examples(html)
    # Its stylesheet imports fonts from Google; its editor sets inline styles itself.
    policy = page_policy(
        page,
        styles=["https://fonts.googleapis.com"],
        fonts=["https://fonts.gstatic.com"],
        inline_styles=True,
    )
    return page, policy
