"""Hong Kong's districts, neighbourhoods, landmarks and MTR stations, offline, as a geopy geocoder.

The place list ships with Harbour (`gazetteer.json`), so a claimant's "near 深水埗" never leaves
the machine. `Gazetteer` answers exact names and aliases in English or Chinese (case, spaces and
punctuation ignored) and offers prefix suggestions for autocomplete.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location

DATA = Path(__file__).parent / "gazetteer.json"


def in_language(english: str, chinese: str, locale: str | None) -> str:
    """The Chinese name for a zh* locale, else the English one."""
    return chinese if (locale or "").startswith("zh") else english


@dataclass(frozen=True, slots=True)
class District:
    """One of Hong Kong's 18 districts."""

    id: str
    name_en: str
    name_zh: str
    region: str
    lat: float
    lng: float

    def name(self, locale: str | None) -> str:
        """The district's name in `locale` (Chinese for zh*, else English)."""
        return in_language(self.name_en, self.name_zh, locale)


@dataclass(frozen=True, slots=True)
class Place:
    """A named place: district, neighbourhood, landmark or MTR station."""

    id: str
    kind: str
    name_en: str
    name_zh: str
    district: str
    lat: float
    lng: float
    aliases: tuple[str, ...] = ()

    def name(self, locale: str | None) -> str:
        """The place's name in `locale` (Chinese for zh*, else English)."""
        return in_language(self.name_en, self.name_zh, locale)


def normalise(text: str) -> str:
    """Folds case, width and punctuation so that "Chungking  Mansions" == "chungking mansions"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


@cache
def _load() -> tuple[dict[str, District], tuple[Place, ...]]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    districts = {
        d["id"]: District(d["id"], d["name_en"], d["name_zh"], d["region"], d["lat"], d["lng"])
        for d in data["districts"]
    }
    places = tuple(
        Place(
            p["id"],
            p["kind"],
            p["name_en"],
            p["name_zh"],
            p["district"],
            p["lat"],
            p["lng"],
            tuple(p.get("aliases", ())),
        )
        for p in data["places"]
    )
    return districts, places


DISTRICTS: dict[str, District] = _load()[0]
PLACES: tuple[Place, ...] = _load()[1]

# Which kind of place wins when two share a name ("Sham Shui Po" is a district, an area and a
# station): the station is the most precise point people mean.
_PRECEDENCE = {"landmark": 0, "mtr": 1, "area": 2, "district": 3}


@cache
def _index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    for place in sorted(PLACES, key=lambda p: _PRECEDENCE.get(p.kind, 9), reverse=True):
        for name in (place.name_en, place.name_zh, *place.aliases):
            index[normalise(name)] = place
    return index


def lookup(name: str) -> Place | None:
    """The place with this name or alias, or None."""
    return _index().get(normalise(name))


def suggest(prefix: str, *, limit: int = 10) -> list[Place]:
    """Places whose name or alias starts with `prefix` (then contains it), best first."""
    key = normalise(prefix)
    if not key:
        return []
    starts: dict[str, Place] = {}
    contains: dict[str, Place] = {}
    for name, place in sorted(_index().items()):
        if name.startswith(key):
            starts.setdefault(place.id, place)
        elif key in name:
            contains.setdefault(place.id, place)
    ranked = sorted(starts.values(), key=lambda p: (_PRECEDENCE.get(p.kind, 9), p.name_en))
    ranked += sorted(contains.values(), key=lambda p: (_PRECEDENCE.get(p.kind, 9), p.name_en))
    return ranked[:limit]


def valid_point(lat: Any, lng: Any) -> bool:
    """Whether a location's coordinates can be placed on the map."""
    return (
        isinstance(lat, int | float)
        and isinstance(lng, int | float)
        and -90 <= lat <= 90
        and -180 <= lng <= 180
    )


def nearest_district(lat: float, lng: float) -> District:
    """The district whose reference point is nearest (good enough to label a location)."""
    return min(DISTRICTS.values(), key=lambda d: (d.lat - lat) ** 2 + (d.lng - lng) ** 2)


class Gazetteer(Geocoder):  # type: ignore[misc]  # geopy ships no type information
    """A geopy geocoder over the shipped Hong Kong gazetteer; needs no network."""

    def __init__(self) -> None:
        super().__init__(scheme="https")

    def geocode(self, query: str, *, exactly_one: bool = True, **_: Any) -> Any:
        place = lookup(query)
        if place is None:
            return None
        location = Location(
            place.name_en, (place.lat, place.lng), {"id": place.id, "kind": place.kind}
        )
        return location if exactly_one else [location]
