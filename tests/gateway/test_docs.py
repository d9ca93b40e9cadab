"""The schema, the examples and the API walkthrough agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from harbour_gateway.schema import schema
from tests.stack import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
WALKTHROUGH = ROOT / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", WALKTHROUGH.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.graphql")), ids=lambda p: p.stem)
def test_every_example_is_valid_against_the_schema(path: Path) -> None:
    errors = validate(schema._schema, parse(path.read_text(encoding="utf-8")))
    assert errors == []


def test_every_walkthrough_document_is_an_example_the_tests_run() -> None:
    examples = "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.graphql"))
    blocks = _blocks()
    assert len(blocks) >= 10
    for block in blocks:
        assert block.strip() in examples, block.splitlines()[0]
