"""Schemathesis against Harbour's running applications: whatever the input, never a server error."""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.engine import events, from_schema
from schemathesis.graphql.checks import GraphQLServerError

from harbour_kit.errors import PROBLEM_JSON

SEED = 20261202  # fixed, with deterministic generation: every run sends the same requests
EXAMPLES = 15  # generated cases per operation, on top of the boundary and invalid-input cases
# Roles enough to pass every role check, so the signed-in operations are reached too.
ROLES = ("social_worker", "partner_staff", "org_admin", "network_admin")
# What a GraphQL error names when the gateway, not the caller, is at fault.
FAULTS = {"SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR"}
SHOWN = 2000  # characters of a failing request's curl command in the report


@schemathesis.check
def problem_documents(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A refused request gets a problem document; a 422 names each field it refuses."""
    if not 400 <= response.status_code < 500:
        return
    media = (response.headers.get("content-type") or [""])[0]
    assert media.startswith(PROBLEM_JSON), f"{response.status_code} answered as {media!r}"
    body = response.json()
    assert body.get("status") == response.status_code and body.get("code"), body
    if response.status_code == 422:
        assert body.get("errors") and all(e.get("field") for e in body["errors"]), body


@schemathesis.check
def no_gateway_fault(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """`not_a_server_error` read by the gateway's contract: errors with a code are the caller's."""
    try:
        not_a_server_error(ctx, response, case)
    except GraphQLServerError as failure:
        for error in failure.errors:
            code = (error.get("extensions") or {}).get("code")
            if not isinstance(code, str) or code in FAULTS:
                raise


def config(base_url: str, headers: dict[str, str], checks: list[str]) -> schemathesis.Config:
    """A run with a fixed seed, few examples per operation and only the given checks."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": headers,
            "workers": 1,
            "cache": {"enabled": False},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    )


def failures(schema: schemathesis.BaseSchema) -> list[str]:
    """Runs every phase against the schema: each failure, with a curl command to repeat it."""
    found: dict[str, None] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.failure_info is not None:
                        title = check.failure_info.failure.title
                        sample = check.failure_info.code_sample[:SHOWN]
                        found[f"{event.label}: {title}\n{sample}"] = None
        elif isinstance(event, events.NonFatalError):
            found[f"{event.label}: {type(event.value).__name__}: {event.value}"] = None
        elif isinstance(event, events.FatalError):
            found[f"run: {type(event.exception).__name__}: {event.exception}"] = None
    return list(found)
