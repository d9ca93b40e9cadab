"""Travel time on search results: how a search is ordered and how a place is reached."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="How nearby services are ordered.")
class NearbyOrder(Enum):
    DISTANCE = "distance"  # nearest first, in a straight line
    TRAVEL_TIME = "travel"  # quickest to reach first, by MTR, ferry and foot


@strawberry.enum(description="The main way a place is reached from the searched point.")
class TravelMode(Enum):
    WALK = "walk"
    MTR = "mtr"
    FERRY = "ferry"


def travel_mode(value: str | None) -> TravelMode | None:
    """The mode a directory result names, or None."""
    return TravelMode(value) if value in {m.value for m in TravelMode} else None
