"""The exported contracts in docs/ are those of the code (regenerate: `harbour export-schemas`)."""

from __future__ import annotations

import json
from pathlib import Path

from harbour_kit.contracts import ALL_CONTRACTS
from harbour_runner.schemas import rendered

ROOT = Path(__file__).resolve().parents[2]


def test_exported_schemas_are_current() -> None:
    for relative, text in rendered().items():
        path = ROOT / relative
        assert path.exists(), f"{relative} is missing: run `harbour export-schemas`"
        assert path.read_text() == text, f"{relative} is stale: run `harbour export-schemas`"


def test_event_schemas_hold_no_personal_fields() -> None:
    personal = {"name_of_claimant", "claimant", "phone", "email", "address", "date_of_birth"}
    for contract in ALL_CONTRACTS:
        schema = json.loads((ROOT / f"docs/events/{contract.event_type}.json").read_text())
        assert schema["additionalProperties"] is False
        assert not personal & set(schema["properties"])
