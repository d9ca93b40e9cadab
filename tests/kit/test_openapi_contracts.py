"""Every operation of every service says what it answers: a typed body and its problem documents.

Complete enough to generate clients from: the success response has a schema with fields (not
`{}` or a bare object), and every error the operation can answer is listed as an
`application/problem+json` document.
"""

from __future__ import annotations

from typing import Any

import pytest

from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import StartService

SERVICES = ("directory", "referrals", "notifications")
# Operations of the platform rather than of the service.
OPERATIONAL = {"/healthz", "/readyz", "/metrics"}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _typed(document: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """A schema a client generator can turn into a type with fields (or a list of such)."""
    if not schema:
        return False
    schema = _resolve(document, schema)
    if schema.get("type") == "array":
        return _typed(document, schema.get("items"))
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema.get("oneOf") or []
        return all(_typed(document, o) or o.get("type") == "null" for o in options)
    return bool(schema.get("properties")) or schema.get("type") in {"string", "integer"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, methods in document["paths"].items():
        if path in OPERATIONAL:
            continue
        for method, operation in methods.items():
            found.append((method.upper(), path, operation))
    return found


@pytest.mark.parametrize("name", SERVICES)
async def test_every_operation_has_a_typed_success_body_and_its_problems(
    start_service: StartService, name: str
) -> None:
    running = await start_service(name)
    document = running.app.openapi()
    untyped, undocumented = [], []
    for method, path, operation in operations(document):
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        if not success:
            untyped.append(f"{method} {path}: no success response")
        for code in success:
            content = responses[code].get("content")
            if code == "204":
                continue  # no body
            if content is None:
                untyped.append(f"{method} {path} {code}: no body schema")
                continue
            for media, body in content.items():
                json_body = media.startswith("application/") and "json" in media
                if json_body and not _typed(document, body.get("schema")):
                    untyped.append(f"{method} {path} {code}")
        problems = [
            code
            for code, response in responses.items()
            if code[0] in "45" and PROBLEM_JSON in response.get("content", {})
        ]
        if not problems:
            undocumented.append(f"{method} {path}")
    assert untyped == [], "untyped success bodies:\n" + "\n".join(untyped)
    assert undocumented == [], "no problem documents:\n" + "\n".join(undocumented)
