"""Runs a geosearch and shapes its results: open now, localised text, confidential locations."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory import hours
from harbour_directory.closures import repository as closures
from harbour_directory.geo.gazetteer import DISTRICTS, District, suggest
from harbour_directory.geo.geocoding import Geocoding
from harbour_directory.hsds.locales import pick
from harbour_directory.hsds.service import envelope
from harbour_directory.search.repository import Filters, Hit, Near, cards_of, search
from harbour_directory.search.schemas import Place, Places, SearchPage, SearchParams, codes
from harbour_directory.settings import DirectorySettings
from harbour_directory.travel import ranking
from harbour_directory.travel.trips import Origin
from harbour_kit.errors import ValidationFailed

HOLIDAYS = Path(__file__).parent.parent / "geo" / "hk_public_holidays.json"


@cache
def public_holidays() -> frozenset[date]:
    """Hong Kong's general holidays, shipped with Harbour."""
    data = json.loads(HOLIDAYS.read_text(encoding="utf-8"))
    return frozenset(date.fromisoformat(h["date"]) for h in data["holidays"])


def _closures_for(card: dict[str, Any], closures: list[dict[str, Any]]) -> list[hours.Closure]:
    applies = []
    for c in closures:
        if (
            c["scope"] == "network"
            or (c["scope"] == "organization" and c["scope_id"] == card["organization_id"])
            or (c["scope"] == "service" and c["scope_id"] == card["service_id"])
        ):
            starts, ends = c["starts_at"], c["ends_at"]
            applies.append(
                hours.Closure(
                    starts.replace(tzinfo=starts.tzinfo or UTC),
                    ends.replace(tzinfo=ends.tzinfo or UTC) if ends else None,
                    c["reason"],
                )
            )
    return applies


def open_state(card: dict[str, Any], at: datetime, closures: list[dict[str, Any]]) -> bool | None:
    """Whether the place is open at `at`: None when its hours are unknown."""
    if card["status"] == "temporarily closed":
        return False
    return hours.is_open(
        hours.from_compact(card["hours"]),
        at,
        tz=card["time_zone"],
        holidays=public_holidays(),
        closes_on_holidays=card["closes_on_public_holidays"],
        closures=_closures_for(card, closures),
    )


async def circle(
    *, params: SearchParams, geocoding: Geocoding, settings: DirectorySettings
) -> Near | None:
    """The circle to search in, geocoding `near` when given."""
    radius = params.radius if params.radius is not None else settings.default_radius
    if radius > settings.max_radius:
        raise ValidationFailed(
            "The radius is too large.",
            errors=[
                {"field": "radius", "message": f"must be at most {settings.max_radius:g} metres"}
            ],
        )
    if params.near:
        point = await geocoding.locate(params.near)
        return Near(point.lat, point.lng, radius)
    if params.lat is not None and params.lng is not None:
        return Near(params.lat, params.lng, radius)
    return None


def filters_of(params: SearchParams) -> Filters:
    """The tag and word filters of a search."""
    groups: list[tuple[str, ...]] = []
    if categories := codes(params.category):
        groups.append(tuple(f"cat:{c}" for c in categories))
    if languages := codes(params.language):
        groups.append(tuple(f"lang:{c.lower()}" for c in languages))
    if params.free:
        groups.append(("free",))
    if params.accepting_referrals:
        groups.append(("accepting",))
    if params.wheelchair:
        groups.append(("wheelchair:yes",))
    none: list[str] = []
    if params.eligible:
        yes, no = (f"elig:immigration.{params.eligible}:{a}" for a in ("yes", "no"))
        if params.include_unknown_eligibility:
            none.append(no)
        else:
            groups.append((yes,))
    words = tuple(w.casefold() for w in (params.q or "").split())
    return Filters(any_tags=tuple(groups), none_tags=tuple(none), words=words)


async def run(
    *, session: AsyncSession, params: SearchParams, near: Near | None, public: bool
) -> SearchPage:
    """One page of results and the total, nearest (or quickest) first when there is a point."""
    at = params.open_at or datetime.now(UTC)
    closures_now = await closures.in_force(session=session, at=at)
    filters = filters_of(params)
    offset = (params.page - 1) * params.per_page
    closed = 0
    origin = None if near is None else Origin(near.lat, near.lng)
    if origin is not None and near is not None and params.order == "travel":
        hits, total, closed = await _quickest(session, params, near, origin, at, closures_now)
    elif params.open_now or params.open_at:
        matching, _ = await search(session, filters=filters, near=near, limit=None)
        hits = [h for h in matching if open_state(h.card, at, closures_now)]
        total, closed = len(hits), len(matching) - len(hits)
        hits = hits[offset : offset + params.per_page]
    else:
        hits, total = await search(
            session, filters=filters, near=near, limit=params.per_page, offset=offset
        )
    items = [
        {
            **result(hit, at, closures_now, locale=params.locale, public=public),
            **ranking.fields(origin, hit, params.locale),
        }
        for hit in hits
    ]
    body = envelope(contents=items, total=total, number=params.page, per_page=params.per_page)
    if params.open_now or params.open_at:
        # Why a search may come back short: matches left out because they are closed then.
        body["closed_count"] = closed
    return SearchPage.model_validate(body)


async def _quickest(
    session: AsyncSession,
    params: SearchParams,
    near: Near,
    origin: Origin,
    at: datetime,
    closures_now: list[dict[str, Any]],
) -> tuple[list[Hit], int, int]:
    """One page quickest first from a pool drawn wider than the radius; total and closed."""
    filters, wide = filters_of(params), ranking.wider(near)
    closed = 0
    if params.open_now or params.open_at:
        matching, _ = await search(session, filters=filters, near=wide, limit=None)
        kept = ranking.rank(origin, matching, near.radius)
        ranked = [h for h in kept if open_state(h.card, at, closures_now)]
        closed = len(kept) - len(ranked)
        ranked = ranked[: ranking.POOL]
    else:
        pool, _ = await search(session, filters=filters, near=wide, limit=ranking.POOL, pool=True)
        ranked = ranking.rank(origin, pool, near.radius)
    offset = (params.page - 1) * params.per_page
    hits = ranked[offset : offset + params.per_page]
    cards = await cards_of(session, [h.id for h in hits if not h.card])
    for hit in hits:
        hit.card = hit.card or cards[hit.id]
    return hits, len(ranked), closed


def _location(
    *,
    card: dict[str, Any],
    place: dict[str, Any] | None,
    district: District | None,
    locale: str | None,
) -> dict[str, Any]:
    """A result's location: the place shown, or the district of a confidential one."""
    if place is None:
        label = district.name(locale) if district else ""
        return {
            "id": card["location_id"],
            "location_type": "physical",
            "name": f"{label} (address confidential)".strip(),
            "latitude": district.lat if district else None,
            "longitude": district.lng if district else None,
            "addresses": [],
        }
    address = place["address"]
    return {
        "id": card["location_id"],
        "location_type": "physical",
        "name": pick(place["location_name"], locale) or "",
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "transportation": pick(place["transportation"], locale),
        "addresses": [{"address_1": pick(address["text"], locale), "country": address["country"]}]
        if address
        else [],
    }


def result(
    hit: Hit, at: datetime, closures_now: list[dict[str, Any]], *, locale: str | None, public: bool
) -> dict[str, Any]:
    """An HSDS service_at_location item with Harbour's search fields."""
    card = hit.card
    place = card["public"] if card["public"] is not None else (None if public else card["private"])
    district = DISTRICTS.get(card["district"] or "")
    district_name = district.name(locale) if district else None
    periods = hours.from_compact(card["hours"])
    local = at.astimezone(ZoneInfo(card["time_zone"]))
    return {
        "id": card["service_at_location_id"],
        "service": {
            "id": card["service_id"],
            "name": pick(card["service_name"], locale) or "",
            "description": pick(card["description"], locale) or "",
            "status": card["status"],
            "organization": {
                "id": card["organization_id"],
                "name": pick(card["organization_name"], locale) or "",
            },
        },
        "location": _location(card=card, place=place, district=district, locale=locale),
        "distance": None if hit.distance is None else round(hit.distance, 1),
        "open_now": open_state(card, at, closures_now),
        "hours_today": [
            f"{o.strftime('%H:%M')}-{c.strftime('%H:%M')}"
            for o, c in hours.hours_on(periods, local.date())
        ],
        "categories": card["categories"],
        "languages": card["languages"],
        "free": card["free"],
        "fees": pick(card["fees"], locale),
        "eligibility": card["eligibility"],
        "accepting_referrals": card["accepting_referrals"],
        "waitlist_weeks": card["waitlist_weeks"],
        "wheelchair_accessible": card["wheelchair_accessible"],
        "confidential": card["confidential"],
        "district": {"id": card["district"], "name": district_name},
        "phones": card["phones"],
        "last_verified": card["last_verified"],
    }


def places(*, prefix: str, limit: int) -> Places:
    """Gazetteer places for autocomplete, best first."""
    return Places(
        contents=[
            Place(
                id=p.id,
                kind=p.kind,
                name_en=p.name_en,
                name_zh=p.name_zh,
                district=p.district,
                district_name_en=DISTRICTS[p.district].name_en,
                latitude=p.lat,
                longitude=p.lng,
            )
            for p in suggest(prefix, limit=limit)
        ]
    )
