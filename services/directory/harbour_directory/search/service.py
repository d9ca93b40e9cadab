"""Runs a geosearch and shapes its results: open now, localised text, confidential locations."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
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
from harbour_directory.hsds import render
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.hsds.locales import pick
from harbour_directory.hsds.service import envelope
from harbour_directory.search.repository import Filters, Hit, Near, after, cards_of, search
from harbour_directory.search.schemas import (
    FullSearchPage,
    FullSearchResult,
    Place,
    Places,
    SearchPage,
    SearchParams,
    SearchResult,
    codes,
)
from harbour_directory.settings import DirectorySettings
from harbour_directory.travel import ranking
from harbour_directory.travel.trips import Origin
from harbour_kit.db import SessionFactory
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
    # HSDS `search` and Harbour's `q` read the same search text; every word of both must match.
    words = tuple(w.casefold() for w in f"{params.q or ''} {params.search or ''}".split())
    services = hsds_repository.service_filters(
        ids=None,
        organization_id=None,
        taxonomy_term_id=params.taxonomy_term_id,
        taxonomy_id=params.taxonomy_id,
        words=None,
        modified_after=params.modified_after,
    )
    return Filters(
        any_tags=tuple(groups),
        none_tags=tuple(none),
        words=words,
        organization_id=params.organization_id,
        services=tuple(services),
    )


async def run(
    *, session: AsyncSession, params: SearchParams, near: Near | None, public: bool
) -> SearchPage | FullSearchPage:
    """One page of results and the total, nearest (or quickest) first when there is a point."""
    at = params.open_at or datetime.now(UTC)
    closures_now = await closures.in_force(session=session, at=at)
    filters = filters_of(params)
    offset = (params.number - 1) * params.size
    closed = 0
    estimated = False
    origin = None if near is None else Origin(near.lat, near.lng)
    if origin is not None and near is not None and params.order == "travel":
        hits, total, closed, estimated = await _quickest(
            session, params, near, origin, at, closures_now
        )
    elif params.open_now or params.open_at:
        matching, _, _ = await search(session, filters=filters, near=near, limit=None)
        hits = [h for h in matching if open_state(h.card, at, closures_now)]
        total, closed = len(hits), len(matching) - len(hits)
        hits = hits[offset : offset + params.size]
    else:
        hits, total, estimated = await search(
            session, filters=filters, near=near, limit=params.size, offset=offset
        )
    items = await _items(session, hits, params, origin, at, closures_now, public=public)
    body = envelope(contents=items, total=total, number=params.number, per_page=params.size)
    body["total_items_estimated"] = estimated
    if params.open_now or params.open_at:
        # Why a search may come back short: matches left out because they are closed then.
        body["closed_count"] = closed
    model = FullSearchPage if params.full else SearchPage
    return model.model_validate(body)


async def _items(
    session: AsyncSession,
    hits: list[Hit],
    params: SearchParams,
    origin: Origin | None,
    at: datetime,
    closures_now: list[dict[str, Any]],
    *,
    public: bool,
) -> list[dict[str, Any]]:
    """The results of these hits; with `full`, each the HSDS record fully nested plus the fields."""
    items = [
        {
            **result(hit, at, closures_now, locale=params.locale, public=public),
            **ranking.fields(origin, hit, params.locale),
        }
        for hit in hits
    ]
    if not params.full or not items:
        return items
    rows = await hsds_repository.by_ids(
        session=session, table="service_at_location", ids=[i["id"] for i in items]
    )
    kept = [i for i in items if i["id"] in rows]  # a row removed since the projection was read
    who = render.Viewer(public=public, locale=params.locale)
    documents = await render.render(
        session, "service_at_location", [rows[i["id"]] for i in kept], render.SAL_FULL, who
    )
    return [
        {**document, **{k: v for k, v in item.items() if k not in document}}
        for document, item in zip(documents, kept, strict=True)
    ]


STREAM_BATCH = 500  # matches read and written at a time


async def stream(
    *, factory: SessionFactory, params: SearchParams, near: Near | None, public: bool
) -> AsyncIterator[bytes]:
    """Every match as one JSON line each: by id without a point, nearest first within one."""
    model = FullSearchResult if params.full else SearchResult
    at = params.open_at or datetime.now(UTC)
    filters = filters_of(params)
    origin = None if near is None else Origin(near.lat, near.lng)
    async with factory() as session:
        closures_now = await closures.in_force(session=session, at=at)
        last_id, circle_read = "", False
        while True:
            if near is not None:
                if circle_read:
                    return
                # A circle is bounded by the largest radius, so its matches are read at once.
                hits, _, _ = await search(session, filters=filters, near=near, limit=None)
                circle_read = True
            else:
                hits = await after(session, filters=filters, last_id=last_id, size=STREAM_BATCH)
                if not hits:
                    return
                last_id = hits[-1].id
            if params.open_now or params.open_at:
                hits = [h for h in hits if open_state(h.card, at, closures_now)]
            for start in range(0, len(hits), STREAM_BATCH):
                part = hits[start : start + STREAM_BATCH]
                items = await _items(session, part, params, origin, at, closures_now, public=public)
                yield "".join(
                    json.dumps(
                        model.model_validate(i).model_dump(mode="json", exclude_unset=True),
                        ensure_ascii=False,
                    )
                    + "\n"
                    for i in items
                ).encode()


async def _quickest(
    session: AsyncSession,
    params: SearchParams,
    near: Near,
    origin: Origin,
    at: datetime,
    closures_now: list[dict[str, Any]],
) -> tuple[list[Hit], int, int, bool]:
    """One page quickest first from a pool drawn wider than the radius; total, closed, and
    whether the pool was full (then more may match than are ranked)."""
    filters, wide = filters_of(params), ranking.wider(near)
    closed = 0
    if params.open_now or params.open_at:
        matching, _, _ = await search(session, filters=filters, near=wide, limit=None)
        kept = ranking.rank(origin, matching, near.radius)
        ranked = [h for h in kept if open_state(h.card, at, closures_now)]
        closed = len(kept) - len(ranked)
        full = len(ranked) > ranking.POOL
        ranked = ranked[: ranking.POOL]
    else:
        pool, _, _ = await search(
            session, filters=filters, near=wide, limit=ranking.POOL, pool=True
        )
        full = len(pool) >= ranking.POOL
        ranked = ranking.rank(origin, pool, near.radius)
    offset = (params.number - 1) * params.size
    hits = ranked[offset : offset + params.size]
    cards = await cards_of(session, [h.id for h in hits if not h.card])
    for hit in hits:
        hit.card = hit.card or cards[hit.id]
    return hits, len(ranked), closed, full


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
        return _known(
            {
                "id": card["location_id"],
                "location_type": "physical",
                "name": f"{label} (address confidential)".strip(),
                "latitude": district.lat if district else None,
                "longitude": district.lng if district else None,
                "addresses": [],
            }
        )
    address = place["address"]
    return _known(
        {
            "id": card["location_id"],
            "location_type": "physical",
            "name": pick(place["location_name"], locale) or "",
            "latitude": place["latitude"],
            "longitude": place["longitude"],
            "transportation": pick(place["transportation"], locale),
            "addresses": [
                {"address_1": pick(address["text"], locale), "country": address["country"]}
            ]
            if address
            else [],
        }
    )


def _organization(card: dict[str, Any], locale: str | None) -> dict[str, Any]:
    """The result's organisation, left out when its service has none."""
    if not card["organization_id"]:
        return {}
    return {
        "organization": {
            "id": card["organization_id"],
            "name": pick(card["organization_name"], locale) or "",
            # Rows projected before organisations' descriptions were carried have none.
            "description": pick(card.get("organization_description") or {}, locale) or "",
        }
    }


def _known(values: dict[str, Any]) -> dict[str, Any]:
    """Only the values that are known: HSDS types these fields as strings or numbers, never null."""
    return {k: v for k, v in values.items() if v is not None}


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
            **_organization(card, locale),
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
