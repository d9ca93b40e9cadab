"""Geosearch over `service_point`: PostGIS on PostgreSQL, R*Tree and exact distance on SQLite.

Both backends answer the same question the same way: keep rows within `radius` metres by
geodesic (WGS 84) distance that carry every required tag and contain every query word; order
them by great-circle distance, then id; report the geodesic distance. PostGIS does this with
`ST_DWithin` on a GiST-indexed `geography` and KNN `<->` ordering; SQLite narrows with its
R*Tree box and finishes in Python with geopy. The projection's rows are written here too.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from geopy.distance import geodesic
from sqlalchemy import ColumnElement, delete, insert, select, text
from sqlalchemy.engine.default import DefaultDialect
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import HSDS, service_point
from harbour_kit.db import dialect_of, execute

CHUNK = 500  # rowids in one DELETE
TOTAL_CAP = 200  # a geosearch counts matches up to this (or one past its page): see bench/README
EARTH_RADIUS = 6_371_008.8  # metres, the mean radius; for ordering only
METRES_PER_DEGREE_LAT = 110_574.0


@dataclass(frozen=True, slots=True)
class Filters:
    """What a search keeps; every part must hold (AND)."""

    any_tags: tuple[tuple[str, ...], ...] = ()  # each group: at least one of these tags
    none_tags: tuple[str, ...] = ()  # none of these tags
    words: tuple[str, ...] = ()  # each must occur in the search text (casefolded)
    organization_id: str | None = None
    services: tuple[ColumnElement[bool], ...] = ()  # on HSDS `service`, as hsds/ builds them


@dataclass(frozen=True, slots=True)
class Near:
    """A circle to search within."""

    lat: float
    lng: float
    radius: float


@dataclass(slots=True)
class Hit:
    """One search row: the result card, its point and, for a geosearch, its distance in metres."""

    id: str
    card: dict[str, Any]
    distance: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    lat: float | None = None
    lng: float | None = None


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Plain `:name` binds without casts, so the clause reads the same inside `text()` on both backends.
PLAIN_SQL = DefaultDialect(paramstyle="named")


def _where(filters: Filters, *, fts: bool) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.organization_id:
        params["organization_id"] = filters.organization_id
        clauses.append("sp.organization_id = :organization_id")
    if filters.services:
        kept = select(HSDS["service"].c.id).where(*filters.services).compile(dialect=PLAIN_SQL)
        params.update(kept.params)
        clauses.append(f"sp.service_id IN ({kept})")
    for g, group in enumerate(filters.any_tags):
        names = []
        for t, tag in enumerate(group):
            params[f"t{g}_{t}"] = f"% {tag} %"
            names.append(f"sp.tags LIKE :t{g}_{t}")
        clauses.append("(" + " OR ".join(names) + ")")
    for n, tag in enumerate(filters.none_tags):
        params[f"n{n}"] = f"% {tag} %"
        clauses.append(f"sp.tags NOT LIKE :n{n}")
    for w, word in enumerate(filters.words):
        params[f"w{w}"] = _like(word)
        if fts:
            matching = "SELECT rowid FROM service_point_fts WHERE search_text"
            clauses.append(f"sp.seq IN ({matching} LIKE :w{w} ESCAPE '\\')")
        else:
            clauses.append(f"sp.search_text LIKE :w{w} ESCAPE '\\'")
    return clauses, params


def great_circle(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Haversine distance in metres on the mean sphere (orders like PostGIS `<->`)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class _Query:
    """One search: what to keep, where, which of the ordered matches, and whether with cards."""

    filters: Filters
    near: Near | None
    limit: int | None
    offset: int
    pool: bool


async def search(
    session: AsyncSession,
    *,
    filters: Filters,
    near: Near | None,
    limit: int | None,
    offset: int = 0,
    pool: bool = False,
) -> tuple[list[Hit], int, bool]:
    """One page of matches (all of them when `limit` is None), how many match, and whether that
    count is only a lower bound (a PostGIS geosearch stops counting at `count_cap`).

    With `pool=True` the hits carry their point but an empty card (see `cards_of`) and the
    total is not counted on PostgreSQL: ranking a wide pool by travel time then decodes only the
    cards of the page shown.
    """
    query = _Query(filters, near, limit, offset, pool)
    if dialect_of(session) == "postgresql":
        return await _postgres(session, query)
    return await _sqlite(session, query)


async def cards_of(session: AsyncSession, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The result cards of these search rows, by id."""
    if not ids:
        return {}
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    rows = await execute(
        session,
        text(f"SELECT sp.id, sp.card FROM service_point sp WHERE sp.id IN ({marks})"),
        {f"i{n}": i for n, i in enumerate(ids)},
    )
    return {r.id: _card(r.card) for r in rows}


# Planner settings for a search, as one statement. The tags filter is hard to estimate, so the
# planner expects a handful of matches and prefers a bitmap scan plus a sort over every match in
# the circle; the nearest-first GiST scan that stops after the page is what is wanted. JIT would
# compile for the inflated cost on every query.
POSTGRES_SEARCH_SETTINGS = (
    "SELECT set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true)"
)
TIE_MARGIN = 10  # rows read past the page, so rows at the same distance sort by id


def count_cap(limit: int | None, offset: int) -> int:
    """What a geosearch counts up to: `TOTAL_CAP`, or one past its page so paging stays true."""
    return TOTAL_CAP if limit is None else max(TOTAL_CAP, offset + limit + 1)


def postgres_query(
    filters: Filters,
    near: Near | None,
    limit: int | None,
    offset: int = 0,
    margin: int = 0,
    pool: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The PostgreSQL statement of a search and its parameters (the benchmark runs it raw).

    One statement returns the rows up to the end of the page (plus `margin`) and the number of
    matches. With a point the rows come nearest first straight from the GiST index, which stops
    early; the caller puts rows at equal distance in id order and cuts the page. A geosearch
    counts up to `count_cap`, so a dense area never costs a visit to every match; without a
    point every match is counted. A `pool` reads points without cards and counts nothing.
    """
    clauses, params = _where(filters, fts=False)
    row = f"sp.id, {'NULL::json AS card' if pool else 'sp.card'}, sp.latitude, sp.longitude"
    if near is None:
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        where = " AND ".join(clauses) or "TRUE"
        select = f"SELECT {row}, NULL::float AS distance, NULL::float AS knn FROM service_point sp"
        order = "ORDER BY sp.organization_id, sp.service_id, sp.id"
    else:
        page = "" if limit is None else f" LIMIT {int(offset) + int(limit) + int(margin)}"
        params.update(lat=near.lat, lng=near.lng, radius=near.radius)
        point = "ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography"
        where = " AND ".join([f"ST_DWithin(sp.geog, {point}, :radius)", *clauses])
        distance = f"ST_Distance(sp.geog, {point}) AS distance, sp.geog <-> {point} AS knn"
        select = f"SELECT {row}, {distance} FROM service_point sp"
        order = f"ORDER BY sp.geog <-> {point}"
    cap = "" if near is None else f" LIMIT {count_cap(limit, offset)}"
    counted = (
        "SELECT 0 AS total"
        if pool
        else f"SELECT count(*) AS total FROM"
        f" (SELECT 1 FROM service_point sp WHERE {where}{cap}) AS capped"
    )
    sql = (
        f"WITH page AS (SELECT q.*, row_number() OVER () AS n"
        f" FROM ({select} WHERE {where} {order}{page}) AS q),"
        f" matches AS ({counted})"
        " SELECT page.id, page.card, page.latitude, page.longitude, page.distance, page.knn,"
        " matches.total"
        " FROM matches LEFT JOIN page ON TRUE ORDER BY page.n"
    )
    return sql, params


async def _postgres(session: AsyncSession, query: _Query) -> tuple[list[Hit], int, bool]:
    near, limit, offset = query.near, query.limit, query.offset
    await execute(session, text(POSTGRES_SEARCH_SETTINGS))
    margin = TIE_MARGIN
    while True:
        sql, params = postgres_query(query.filters, near, limit, offset, margin, query.pool)
        rows = list((await execute(session, text(sql), params)).all())
        total = int(rows[0].total) if rows else 0
        found = [r for r in rows if r.id is not None]
        if near is None or limit is None:
            break
        wanted = offset + limit
        # Done when every match was read, or the last row read is farther than the page's last
        # row: then all rows tied with it are in hand.
        if len(found) < wanted + margin or found[-1].knn > found[wanted - 1].knn:
            break
        margin *= 10
    if near is not None:
        found.sort(key=lambda r: (r.knn, r.id))
        if limit is not None:
            found = found[offset : offset + limit]
    hits = [
        Hit(
            r.id,
            r.card or {},
            None if r.distance is None else float(r.distance),
            lat=r.latitude,
            lng=r.longitude,
        )
        for r in found
    ]
    if limit is None and not query.pool:
        return hits, len(hits), False
    capped = near is not None and not query.pool and total >= count_cap(limit, offset)
    return hits, total, capped


async def _sqlite(session: AsyncSession, query: _Query) -> tuple[list[Hit], int, bool]:
    near, limit, offset, pool = query.near, query.limit, query.offset, query.pool
    clauses, params = _where(query.filters, fts=True)
    if near is None:
        where = " AND ".join(clauses) or "1"
        total = (
            await execute(
                session, text(f"SELECT count(*) FROM service_point sp WHERE {where}"), params
            )
        ).scalar_one()
        page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        rows = (
            await execute(
                session,
                text(
                    f"SELECT sp.id, sp.card, sp.latitude, sp.longitude FROM service_point sp"
                    f" WHERE {where} ORDER BY sp.organization_id, sp.service_id, sp.id{page}"
                ),
                params,
            )
        ).all()
        hits = [
            Hit(r.id, {} if pool else _card(r.card), lat=r.latitude, lng=r.longitude) for r in rows
        ]
        return hits, int(total), False
    dlat = near.radius / METRES_PER_DEGREE_LAT * 1.01
    dlng = dlat / max(math.cos(math.radians(near.lat)), 1e-6)
    params.update(
        min_lat=near.lat - dlat,
        max_lat=near.lat + dlat,
        min_lng=near.lng - dlng,
        max_lng=near.lng + dlng,
    )
    box = (
        "sp.seq IN (SELECT seq FROM service_point_rtree WHERE min_lat <= :max_lat"
        " AND max_lat >= :min_lat AND min_lng <= :max_lng AND max_lng >= :min_lng)"
    )
    where = " AND ".join([box, *clauses])
    rows = (
        await execute(
            session,
            text(
                "SELECT sp.id, sp.card, sp.latitude, sp.longitude"
                f" FROM service_point sp WHERE {where}"
            ),
            params,
        )
    ).all()
    found: list[tuple[float, str, Any, float, float, float]] = []
    for r in rows:
        metres = geodesic((near.lat, near.lng), (r.latitude, r.longitude)).meters
        if metres <= near.radius:
            circle = great_circle(near.lat, near.lng, r.latitude, r.longitude)
            found.append((circle, r.id, r.card, metres, r.latitude, r.longitude))
    found.sort(key=lambda f: (f[0], f[1]))
    window = found[offset:] if limit is None else found[offset : offset + limit]
    hits = [
        Hit(i, {} if pool else _card(c), d, lat=lat, lng=lng) for _, i, c, d, lat, lng in window
    ]
    return hits, len(found), False


async def after(session: AsyncSession, *, filters: Filters, last_id: str, size: int) -> list[Hit]:
    """Up to `size` matches with an id past `last_id`, by id: a stream never re-reads a row."""
    clauses, params = _where(filters, fts=dialect_of(session) == "sqlite")
    where = " AND ".join(["sp.id > :last_id", *clauses])
    rows = await execute(
        session,
        text(
            "SELECT sp.id, sp.card, sp.latitude, sp.longitude FROM service_point sp"
            f" WHERE {where} ORDER BY sp.id LIMIT {int(size)}"
        ),
        {**params, "last_id": last_id},
    )
    return [Hit(r.id, _card(r.card), lat=r.latitude, lng=r.longitude) for r in rows]


def _card(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


async def remove_points(*, session: AsyncSession, service_ids: list[str]) -> None:
    """Deletes the search rows of these services (and, on SQLite, their R*Tree and FTS rows)."""
    if dialect_of(session) == "sqlite":
        seqs = (
            (
                await execute(
                    session,
                    select(service_point.c.seq).where(service_point.c.service_id.in_(service_ids)),
                )
            )
            .scalars()
            .all()
        )
        for start in range(0, len(seqs), CHUNK):
            marks = ",".join(str(int(s)) for s in seqs[start : start + CHUNK])
            await execute(session, text(f"DELETE FROM service_point_rtree WHERE seq IN ({marks})"))
            await execute(session, text(f"DELETE FROM service_point_fts WHERE rowid IN ({marks})"))
    await execute(session, delete(service_point).where(service_point.c.service_id.in_(service_ids)))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def insert_points(*, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Stores search rows (with the PostGIS point, or the R*Tree and FTS rows on SQLite)."""
    if dialect_of(session) == "postgresql":
        await execute(
            session,
            text(
                "INSERT INTO service_point (id, service_id, organization_id, location_id, latitude,"
                " longitude, tags, search_text, card, geog) VALUES (:id, :service_id,"
                " :organization_id, :location_id, :latitude, :longitude, :tags, :search_text,"
                " CAST(:card AS json),"
                " ST_SetSRID(ST_MakePoint(:longitude, :latitude), 4326)::geography)"
            ),
            [{**row, "card": _json(row["card"])} for row in rows],
        )
        return
    await execute(session, insert(service_point), rows)
    inserted = await execute(
        session,
        select(
            service_point.c.seq,
            service_point.c.latitude,
            service_point.c.longitude,
            service_point.c.search_text,
        ).where(service_point.c.id.in_([row["id"] for row in rows])),
    )
    points = inserted.all()
    await execute(
        session,
        text("INSERT INTO service_point_rtree VALUES (:seq, :lat, :lat, :lng, :lng)"),
        [{"seq": p.seq, "lat": p.latitude, "lng": p.longitude} for p in points],
    )
    await execute(
        session,
        text("INSERT INTO service_point_fts (rowid, search_text) VALUES (:seq, :search_text)"),
        [{"seq": p.seq, "search_text": p.search_text} for p in points],
    )
