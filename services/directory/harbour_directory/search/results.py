"""Runs a geosearch and shapes its results: open now, localised text, confidential locations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory import hours
from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.hsds.load import pick
from harbour_directory.models import closure
from harbour_directory.search.filters import SearchParams
from harbour_directory.search.repository import Hit, Near, cards_of, search
from harbour_directory.travel import ranking
from harbour_directory.travel.trips import Origin
from harbour_kit.db import execute

HOLIDAYS = Path(__file__).parent.parent / "geo" / "hk_public_holidays.json"


@cache
def public_holidays() -> frozenset[date]:
    """Hong Kong's general holidays, shipped with Harbour."""
    data = json.loads(HOLIDAYS.read_text(encoding="utf-8"))
    return frozenset(date.fromisoformat(h["date"]) for h in data["holidays"])


async def active_closures(session: AsyncSession, at: datetime) -> list[dict[str, Any]]:
    """Closures in force at `at` (network-wide alerts, organisation or service closures)."""
    at = at.astimezone(UTC)  # closures are stored in UTC
    rows = await execute(
        session,
        select(closure).where(
            closure.c.starts_at <= at, or_(closure.c.ends_at.is_(None), closure.c.ends_at > at)
        ),
    )
    return [dict(r._mapping) for r in rows]


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


@dataclass(frozen=True)
class Found:
    """One page of results, the total, and how many matched everything but being open then."""

    items: list[dict[str, Any]]
    total: int
    closed: int = 0


async def run(
    session: AsyncSession, params: SearchParams, near: Near | None, *, public: bool
) -> Found:
    """One page of results and the total, nearest (or quickest) first when there is a point."""
    at = params.open_at or datetime.now(UTC)
    closures = await active_closures(session, at)
    filters = params.filters()
    offset = (params.page - 1) * params.per_page
    closed = 0
    origin = None if near is None else Origin(near.lat, near.lng)
    if origin is not None and near is not None and params.order == "travel":
        hits, total, closed = await _quickest(session, params, near, origin, at, closures)
    elif params.open_now or params.open_at:
        matching, _ = await search(session, filters=filters, near=near, limit=None)
        hits = [h for h in matching if open_state(h.card, at, closures)]
        total, closed = len(hits), len(matching) - len(hits)
        hits = hits[offset : offset + params.per_page]
    else:
        hits, total = await search(
            session, filters=filters, near=near, limit=params.per_page, offset=offset
        )
    items = [result(h, at, closures, locale=params.locale, public=public) for h in hits]
    for item, hit in zip(items, hits, strict=True):
        item.update(ranking.fields(origin, hit, params.locale))
    return Found(items, total, closed)


async def _quickest(
    session: AsyncSession,
    params: SearchParams,
    near: Near,
    origin: Origin,
    at: datetime,
    closures: list[dict[str, Any]],
) -> tuple[list[Hit], int, int]:
    """One page quickest first from a pool drawn wider than the radius; total and closed."""
    filters, wide = params.filters(), ranking.wider(near)
    closed = 0
    if params.open_now or params.open_at:
        matching, _ = await search(session, filters=filters, near=wide, limit=None)
        kept = ranking.rank(origin, matching, near.radius)
        ranked = [h for h in kept if open_state(h.card, at, closures)]
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


def result(
    hit: Hit, at: datetime, closures: list[dict[str, Any]], *, locale: str | None, public: bool
) -> dict[str, Any]:
    """An HSDS service_at_location item with Harbour's search fields."""
    card = hit.card
    place = card["public"] if card["public"] is not None else (None if public else card["private"])
    district = DISTRICTS.get(card["district"] or "")
    district_name = (
        (district.name_zh if (locale or "").startswith("zh") else district.name_en)
        if district
        else None
    )
    if place is None:
        location = {
            "id": card["location_id"],
            "location_type": "physical",
            "name": f"{district_name or ''} (address confidential)".strip(),
            "latitude": district.lat if district else None,
            "longitude": district.lng if district else None,
            "addresses": [],
        }
    else:
        address = place["address"]
        location = {
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
        "location": location,
        "distance": None if hit.distance is None else round(hit.distance, 1),
        "open_now": open_state(card, at, closures),
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
