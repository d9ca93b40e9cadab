"""The labelled sample Hong Kong directory that demos and tests run on.

The organisations are fictional and say so ("(sample)", "示例"). They are HSDS 3.0 organization
documents with their services nested, kept as data in `data/sample_directory.json` and loaded
through the same import path as any publisher's file. `fixtures` names the services the tests
rely on (distances from Chungking Mansions, hours, languages); their ids never change.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "sample_directory.json"


@cache
def _sample() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def sample_directory() -> list[dict[str, Any]]:
    """The sample directory: HSDS organization documents with their services nested."""
    return copy.deepcopy(_sample()["organizations"])


FIXTURES: dict[str, str] = dict(_sample()["fixtures"])
CONFIDENTIAL_LOCATION_ID: str = _sample()["confidential_location_id"]
