"""Response shapes of the network figures."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NetworkFigures(BaseModel):
    """Volumes, time to acknowledge and accept, declines by reason and purpose: no personal data."""

    total: int
    by_status: dict[str, int]
    by_purpose: dict[str, int]
    by_urgency: dict[str, int]
    median_hours_to_acknowledge: float | None = Field(description="None before any acknowledgement")
    median_hours_to_accept: float | None = Field(description="None before any acceptance")
    declines_by_reason: dict[str, int]
    declines_by_purpose: dict[str, int]
    expired: int
