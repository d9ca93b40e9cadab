"""Search results by travel time: the wider pool to rank, the ranking, and each result's trip."""

from __future__ import annotations

from typing import Any

from harbour_directory.search.repository import Hit, Near
from harbour_directory.travel.trips import Origin
from harbour_directory.travel.words import route

POOL = 200  # candidates ranked by travel time, the nearest by distance
WIDER = 3.0  # the pool's radius against the search's, so a quick train ride is not cut off


def wider(near: Near) -> Near:
    """The circle a travel-time search draws its pool from."""
    return Near(near.lat, near.lng, near.radius * WIDER)


def rank(origin: Origin, hits: list[Hit], radius: float) -> list[Hit]:
    """Hits quickest first (ties by distance, then id), keeping those within `radius` metres and
    those beyond it that are no slower to reach than walking to the circle's edge."""
    budget = origin.net.walking.minutes(radius)
    keyed = []
    for hit in hits:
        if hit.lat is None or hit.lng is None:
            continue
        minutes, _ = origin.minutes(hit.lat, hit.lng, hit.distance)
        distance = hit.distance or 0.0
        if distance <= radius or minutes <= budget:
            keyed.append((minutes, distance, hit.id, hit))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed]


def fields(origin: Origin | None, hit: Hit, locale: str | None) -> dict[str, Any]:
    """`travel_minutes`, `travel_mode` and `route` of one result (null without a point).

    A confidential location's row sits at its district's reference point, so its trip is to
    there and the route says it is approximate.
    """
    if origin is None or hit.lat is None or hit.lng is None:
        return {"travel_minutes": None, "travel_mode": None, "route": None}
    confidential = bool(hit.card.get("confidential"))
    trip = origin.trip(hit.lat, hit.lng, hit.distance, approximate=confidential)
    return {"travel_minutes": trip.minutes, "travel_mode": trip.mode, "route": route(trip, locale)}
