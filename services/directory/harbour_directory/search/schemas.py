"""Geosearch parameters, checked with each bad value refused by name, and the result shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from harbour_directory.hsds.schemas import (
    MAX_PAGE,
    Format,
    Full,
    Page,
    Search,
    ServiceAtLocation,
)
from harbour_directory.schemas import Number
from harbour_directory.taxonomy import terms
from harbour_kit.errors import HarbourError, ValidationFailed


def codes(value: str | None) -> tuple[str, ...]:
    """The codes of a comma-separated parameter."""
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


ORDERS = ("distance", "travel")  # nearest first, or quickest to reach first
PER_PAGE = 20
Unsupported = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Not supported: Hong Kong has no postcodes (use near, or lat/lng, and radius)",
    ),
]


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
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = None
    per_page: Annotated[
        int | None, Query(ge=1, le=100, description=f"Items per page (default {PER_PAGE})")
    ] = None
    order: Annotated[
        str,
        Query(max_length=20, description="distance (nearest first, the default) or travel"),
    ] = "distance"
    search: Search = None
    organization_id: Annotated[
        str | None, Query(max_length=200, description="Only this organisation's services")
    ] = None
    taxonomy_term_id: Annotated[
        str | None, Query(max_length=200, description="Services with an attribute of this term")
    ] = None
    taxonomy_id: Annotated[
        str | None, Query(max_length=200, description="Services with any term of this taxonomy")
    ] = None
    modified_after: Annotated[
        datetime | None, Query(description="Services whose last_modified is on or after this")
    ] = None
    full: Full = False
    format: Format = "json"
    postcode: Unsupported = None
    proximity: Unsupported = None

    @property
    def number(self) -> int:
        """The page asked for."""
        return self.page or 1

    @property
    def size(self) -> int:
        """The page size asked for."""
        return self.per_page or PER_PAGE

    @property
    def streamed(self) -> bool:
        """Every match as ndjson lines rather than one page."""
        return self.format == "ndjson"

    def __post_init__(self) -> None:
        unsupported = [n for n in ("postcode", "proximity") if getattr(self, n) is not None]
        if unsupported:
            raise HarbourError(
                f"Not supported here: {', '.join(unsupported)}. Hong Kong has no postcodes;"
                " search near a place (near) or a point (lat, lng) within a radius instead.",
                code="unsupported-parameter",
                status=400,
                errors=[
                    {"field": n, "message": "is not supported; use near or lat/lng with radius"}
                    for n in unsupported
                ],
            )
        errors: list[dict[str, str]] = []
        if self.streamed:
            errors += [
                {"field": name, "message": "format=ndjson streams every match, without pages"}
                for name in ("page", "per_page")
                if getattr(self, name) is not None
            ]
            if self.order == "travel":
                errors.append(
                    {"field": "order", "message": "travel ranks a pool for pages; not with ndjson"}
                )
        for code in codes(self.category):
            if code not in terms.CATEGORY_CODES:
                errors.append({"field": "category", "message": f"unknown category {code!r}"})
        if self.eligible and self.eligible not in terms.IMMIGRATION_STATUSES:
            errors.append(
                {
                    "field": "eligible",
                    "message": f"unknown; use one of {sorted(terms.IMMIGRATION_STATUSES)}",
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


class ResultOrganization(BaseModel):
    """The organisation of a result's service."""

    id: str
    name: str
    description: str


class ResultService(BaseModel):
    """The service of a result, in the request's language."""

    id: str
    name: str
    description: str
    status: str
    organization: ResultOrganization | None = Field(
        default=None, description="Left out when the service has no organisation"
    )


class ResultAddress(BaseModel):
    """A result's address, on one line."""

    address_1: str | None
    country: str | None


class ResultLocation(BaseModel):
    """Where a result is; a confidential one is its district's reference point."""

    id: str
    location_type: str
    name: str
    latitude: Number | None = Field(default=None, description="Left out when unknown")
    longitude: Number | None = Field(default=None, description="Left out when unknown")
    transportation: str | None = Field(
        default=None, description="Left out when confidential or unknown"
    )
    addresses: list[ResultAddress]


class ResultDistrict(BaseModel):
    """A result's district."""

    id: str | None
    name: str | None


class SearchFields(BaseModel):
    """Harbour's search fields on a service_at_location item."""

    distance: float | None = Field(description="Metres from the point searched")
    open_now: bool | None = Field(description="At the instant searched; null when hours unknown")
    hours_today: list[str] = Field(description="Opening hours that day, such as 10:00-18:00")
    categories: list[str]
    languages: list[str]
    free: bool
    fees: str | None
    eligibility: dict[str, dict[str, str]]
    accepting_referrals: bool | None
    waitlist_weeks: int | None
    wheelchair_accessible: bool | None
    confidential: bool
    district: ResultDistrict
    phones: list[str]
    last_verified: str | None
    travel_minutes: int | None = Field(
        description="Whole minutes to get there; null without a point"
    )
    travel_mode: str | None = Field(description="walk, mtr or ferry")
    route: str | None = Field(description="The trip in the request's language")


class SearchResult(SearchFields):
    """An HSDS service_at_location list item (one-to-one fields) with Harbour's search fields."""

    id: str
    service: ResultService
    location: ResultLocation


class FullSearchResult(ServiceAtLocation, SearchFields):
    """A fully nested HSDS service_at_location (`full=true`) with Harbour's search fields."""


class SearchPageBase(Page):
    """The page envelope of a search, with what Harbour adds to it."""

    closed_count: int | None = Field(
        default=None,
        description="With open_now or open_at: matches left out because they are closed then",
    )
    total_items_estimated: bool = Field(
        default=False,
        description="total_items is a lower bound: a geosearch counts at most 200 matches (or"
        " one past the page), and order=travel ranks at most 200",
    )


class SearchPage(SearchPageBase):
    """A page of search results."""

    contents: list[SearchResult]


class FullSearchPage(SearchPageBase):
    """A page of fully nested search results (`full=true`)."""

    contents: list[FullSearchResult]


class Place(BaseModel):
    """A gazetteer place."""

    id: str
    kind: str = Field(description="district, area, landmark or mtr")
    name_en: str
    name_zh: str
    district: str
    district_name_en: str
    latitude: Number
    longitude: Number


class Places(BaseModel):
    """Places whose name starts with (then contains) the prefix, best first."""

    contents: list[Place]
