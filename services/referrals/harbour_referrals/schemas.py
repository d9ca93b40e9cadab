"""Shapes the referrals API's features share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def _iso(value: datetime) -> str:
    """A timestamp as ISO 8601 text, with its offset when it has one."""
    return value.isoformat()


# Written as the database gives it back: PostgreSQL with its offset, SQLite without one.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
