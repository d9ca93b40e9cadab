"""Types the directory's request and response schemas share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def _iso(value: datetime) -> str:
    return value.isoformat()


# An instant as ISO 8601, with the offset it was stored with (none from SQLite).
Instant = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Number = int | float  # whole numbers stay integers in JSON
