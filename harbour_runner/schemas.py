"""Exports the published contracts: event JSON Schemas and the GraphQL schema."""

from __future__ import annotations

import json
from pathlib import Path

from harbour_gateway.schema import schema
from harbour_kit.contracts import ALL_CONTRACTS


def rendered() -> dict[str, str]:
    """Every exported file by path relative to the repository root, as text."""
    files: dict[str, str] = {}
    for contract in ALL_CONTRACTS:
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://harbour.example/events/{contract.event_type}.json",
            **contract.model_json_schema(),
            "x-event-type": contract.event_type,
        }
        files[f"docs/events/{contract.event_type}.json"] = (
            json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        )
    files["docs/schema.graphql"] = schema.as_str() + "\n"
    return files


def export(root: Path) -> list[Path]:
    """Writes the exported files under `root`; returns their paths."""
    written = []
    for relative, text in rendered().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
