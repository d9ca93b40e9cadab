"""Geosearch parameters, checked with each bad value refused by name, and the result shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from harbour_directory.hsds.schemas import MAX_PAGE, Page
from harbour_directory.schemas import Number
from harbour_directory.taxonomy import terms
from harbour_kit.errors import ValidationFailed


def codes(value: str | None) -> tuple[str, ...]:
    """The codes of a comma-separated parameter."""
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

    id: str | None
    name: str


class ResultService(BaseModel):
    """The service of a result, in the request's language."""

    id: str
    name: str
    description: str
    status: str
    organization: ResultOrganization


class ResultAddress(BaseModel):
    """A result's address, on one line."""

    address_1: str | None
    country: str | None


class ResultLocation(BaseModel):
    """Where a result is; a confidential one is its district's reference point."""

    id: str
    location_type: str
    name: str
    latitude: Number | None
    longitude: Number | None
    transportation: str | None = Field(default=None, description="Left out when confidential")
    addresses: list[ResultAddress]


class ResultDistrict(BaseModel):
    """A result's district."""

    id: str | None
    name: str | None


class SearchResult(BaseModel):
    """An HSDS service_at_location item with Harbour's search fields."""

    id: str
    service: ResultService
    location: ResultLocation
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


class SearchPage(Page):
    """A page of search results."""

    contents: list[SearchResult]
    closed_count: int | None = Field(
        default=None,
        description="With open_now or open_at: matches left out because they are closed then",
    )


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
