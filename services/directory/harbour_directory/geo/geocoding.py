"""Turns a place name into a point: the shipped gazetteer, then any configured geopy geocoder."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from geopy.geocoders import get_geocoder_for_service

from harbour_directory.geo.gazetteer import Gazetteer, lookup, suggest
from harbour_kit.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Point:
    """A geocoded place."""

    lat: float
    lng: float
    label: str


class Geocoding:
    """Geocodes with a bounded cache; unknown places are a validation error naming `near`."""

    def __init__(
        self,
        geocoder: str = "gazetteer",
        options: dict[str, Any] | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self.name = geocoder
        self.geocoder: Any = (
            Gazetteer()
            if geocoder == "gazetteer"
            else get_geocoder_for_service(geocoder)(**(options or {}))
        )
        self.cache: OrderedDict[str, Point | None] = OrderedDict()
        self.cache_size = cache_size

    async def locate(self, name: str, *, field: str = "near") -> Point:
        """The point for `name`, or a 422 that suggests close gazetteer names."""
        key = " ".join(name.split()).casefold()
        if key in self.cache:
            self.cache.move_to_end(key)
            point = self.cache[key]
        else:
            point = await self._geocode(name)
            if self.cache_size:
                self.cache[key] = point
                if len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        if point is None:
            hints = [p.name_en for p in suggest(name, limit=5)]
            hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
            raise ValidationFailed(
                f"Unknown place {name!r}.{hint}",
                code="unknown-place",
                errors=[{"field": field, "message": f"no place called {name!r}"}],
            )
        return point

    async def _geocode(self, name: str) -> Point | None:
        place = lookup(name)  # Hong Kong names resolve offline even with another geocoder set
        if place is not None:
            return Point(place.lat, place.lng, place.name_en)
        if self.name == "gazetteer":
            return None
        found = await asyncio.to_thread(self.geocoder.geocode, name, exactly_one=True)
        if found is None:
            return None
        return Point(found.latitude, found.longitude, str(found.address))
