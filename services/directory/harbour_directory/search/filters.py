"""The geosearch query parameters: checked, each bad value refused with its field named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Query

from harbour_directory import taxonomy
from harbour_directory.geo.geocoding import Geocoding, Point
from harbour_directory.search.repository import Filters, Near
from harbour_directory.settings import DirectorySettings
from harbour_kit.errors import ValidationFailed

MAX_PAGE = 10_000  # keeps the row offset far inside 64 bits whatever the page size


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


ORDERS = ("distance", "travel")  # nearest first, or quickest to reach first


@dataclass
class SearchParams:
    """`GET /service_at_locations` parameters (HSDS plus Harbour's geo extensions)."""

    lat: Annotated[float | None, Query(ge=-90, le=90, description="Latitude (WGS 84)")] = None
    lng: Annotated[float | None, Query(ge=-180, le=180, description="Longitude (WGS 84)")] = None
    radius: Annotated[float | None, Query(gt=0, description="Metres around the point")] = None
    near: Annotated[
        str | None, Query(max_length=100, description="A place name, English or Chinese")
    ] = None
    category: Annotated[
        str | None,
        Query(max_length=500, description="Category codes, comma-separated (any of them)"),
    ] = None
    language: Annotated[
        str | None,
        Query(max_length=500, description="Language codes spoken, comma-separated (any of them)"),
    ] = None
    free: Annotated[bool, Query(description="Only services with a free option")] = False
    accepting_referrals: Annotated[bool, Query(description="Only services taking referrals")] = (
        False
    )
    eligible: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Immigration status the service must accept, e.g. non-refoulement-claimant",
        ),
    ] = None
    include_unknown_eligibility: Annotated[
        bool, Query(description="Also keep services that have not said whether they accept it")
    ] = False
    wheelchair: Annotated[bool, Query(description="Only wheelchair-accessible locations")] = False
    open_now: Annotated[bool, Query(description="Only places open now")] = False
    open_at: Annotated[
        datetime | None,
        Query(description="Only places open at this instant (ISO 8601 with offset)"),
    ] = None
    q: Annotated[str | None, Query(max_length=200, description="Words, English or Chinese")] = None
    locale: Annotated[str | None, Query(max_length=35, description="Language of text fields")] = (
        None
    )
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1
    per_page: Annotated[int, Query(ge=1, le=100)] = 20
    order: Annotated[
        str,
        Query(max_length=20, description="distance (nearest first, the default) or travel"),
    ] = "distance"

    def __post_init__(self) -> None:
        errors: list[dict[str, str]] = []
        for code in _list(self.category):
            if code not in taxonomy.CATEGORY_CODES:
                errors.append({"field": "category", "message": f"unknown category {code!r}"})
        if self.eligible and self.eligible not in taxonomy.IMMIGRATION_STATUSES:
            errors.append(
                {
                    "field": "eligible",
                    "message": f"unknown; use one of {sorted(taxonomy.IMMIGRATION_STATUSES)}",
                }
            )
        if (self.lat is None) != (self.lng is None):
            errors.append(
                {"field": "lat" if self.lat is None else "lng", "message": "give both lat and lng"}
            )
        if self.near and self.lat is not None:
            errors.append({"field": "near", "message": "give either near or lat/lng, not both"})
        if self.radius is not None and self.lat is None and not self.near:
            errors.append({"field": "radius", "message": "needs lat/lng or near"})
        if self.open_at is not None and self.open_at.tzinfo is None:
            errors.append(
                {"field": "open_at", "message": "needs a UTC offset, e.g. 2026-11-24T11:00+08:00"}
            )
        if self.order not in ORDERS:
            errors.append({"field": "order", "message": f"unknown; use one of {list(ORDERS)}"})
        elif self.order == "travel" and self.lat is None and not self.near:
            errors.append({"field": "order", "message": "travel needs lat/lng or near"})
        if errors:
            raise ValidationFailed("The search has bad parameters.", errors=errors)

    async def resolve(self, geocoding: Geocoding, settings: DirectorySettings) -> Near | None:
        """The circle to search in, geocoding `near` when given."""
        radius = self.radius if self.radius is not None else settings.default_radius
        if radius > settings.max_radius:
            raise ValidationFailed(
                "The radius is too large.",
                errors=[
                    {
                        "field": "radius",
                        "message": f"must be at most {settings.max_radius:g} metres",
                    }
                ],
            )
        if self.near:
            point: Point = await geocoding.locate(self.near)
            return Near(point.lat, point.lng, radius)
        if self.lat is not None and self.lng is not None:
            return Near(self.lat, self.lng, radius)
        return None

    def filters(self) -> Filters:
        """The tag and word filters of this search."""
        groups: list[tuple[str, ...]] = []
        if categories := _list(self.category):
            groups.append(tuple(f"cat:{c}" for c in categories))
        if languages := _list(self.language):
            groups.append(tuple(f"lang:{c.lower()}" for c in languages))
        if self.free:
            groups.append(("free",))
        if self.accepting_referrals:
            groups.append(("accepting",))
        if self.wheelchair:
            groups.append(("wheelchair:yes",))
        none: list[str] = []
        if self.eligible:
            yes, no = (f"elig:immigration.{self.eligible}:{a}" for a in ("yes", "no"))
            if self.include_unknown_eligibility:
                none.append(no)
            else:
                groups.append((yes,))
        words = tuple(w.casefold() for w in (self.q or "").split())
        return Filters(any_tags=tuple(groups), none_tags=tuple(none), words=words)
