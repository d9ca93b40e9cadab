"""Synthetic search rows for benchmarks: `service_point` rows of any size, made up, deterministic.

Not sample data and not for tests of behaviour: these rows exist only so that geosearch can be
measured at 10k, 100k or 1M service-at-locations. They look like the rows `search.projection`
writes (the same tags, search text and card keys, so `search.results.result()` renders them),
with invented names and roughly realistic proportions:

- points in Gaussian clusters (sigma 1.5 km) around the 18 districts' reference points, weighted
  by district population and clipped to Hong Kong's box;
- one top-level category, often with a leaf under it and now and then a leaf of another one
  (tags carry ancestors as the projection's do);
- English always, plus up to three of Cantonese, Chinese, Urdu (~20%), Bengali, Hindi, …;
- `free` for ~80%, `accepting` for ~85%, everything `status:active`.

`points(n)` yields the rows; `load_postgres(dsn, n)` bulk-loads them into a migrated database
with binary COPY, rebuilding the table's secondary indexes once at the end.
"""

from __future__ import annotations

import random
import struct
import uuid
from collections.abc import Iterator
from itertools import islice
from typing import Any

import orjson

from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.taxonomy import terms

LAT_RANGE = (22.15, 22.57)
LNG_RANGE = (113.83, 114.45)
SIGMA_METRES = 1500.0
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LNG = 102_950.0  # at 22.3° N

# Residents per district (2021 census, thousands, rounded): where services and people are.
POPULATION = {
    "central-and-western": 235,
    "wan-chai": 167,
    "eastern": 529,
    "southern": 264,
    "yau-tsim-mong": 310,
    "sham-shui-po": 431,
    "kowloon-city": 410,
    "wong-tai-sin": 406,
    "kwun-tong": 673,
    "kwai-tsing": 495,
    "tsuen-wan": 320,
    "tuen-mun": 506,
    "yuen-long": 668,
    "north": 310,
    "tai-po": 316,
    "sha-tin": 692,
    "sai-kung": 489,
    "islands": 185,
}

# Languages besides English and how often a service offers each (before the cap of three).
LANGUAGES = (
    ("yue", 0.45),
    ("zh-hant", 0.30),
    ("ur", 0.21),
    ("bn", 0.10),
    ("hi", 0.09),
    ("ne", 0.06),
    ("ar", 0.06),
    ("fr", 0.08),
    ("so", 0.04),
    ("sw", 0.04),
    ("ta", 0.03),
    ("vi", 0.05),
    ("id", 0.06),
    ("tl", 0.07),
)
MAX_EXTRA_LANGUAGES = 3
FREE = 0.80
ACCEPTING = 0.85
CONFIDENTIAL = 0.01
ROWS_PER_ORGANIZATION = 25

TOP_LEVEL = tuple(
    t.code for t in terms.TERMS if t.taxonomy == terms.CATEGORIES and "." not in t.code
)
LEAVES: dict[str, tuple[str, ...]] = {
    top: tuple(
        t.code
        for t in terms.TERMS
        if t.taxonomy == terms.CATEGORIES and t.code.startswith(top + ".")
    )
    for top in TOP_LEVEL
}

_ORG_WORDS = (
    "Harbour", "Lantern", "Bridge", "Open Door", "Kowloon", "Island", "Beacon", "Crossroads",
    "Good Shepherd", "Refuge", "Haven", "Compass", "Pearl", "Lighthouse", "Anchor", "Welcome",
)  # fmt: skip
_ORG_KINDS = (
    "Community Centre", "Trust", "Society", "Foundation", "Mission", "Association", "Network",
    "Legal Clinic", "Family Services", "Women's Centre",
)  # fmt: skip
_STREETS = (
    "Nathan Road", "Lai Chi Kok Road", "Hennessy Road", "Queen's Road Central", "Castle Peak Road",
    "Tai Po Road", "Kwun Tong Road", "Shau Kei Wan Road", "Des Voeux Road", "Cheung Sha Wan Road",
    "Canton Road", "Prince Edward Road", "Ma Tau Wai Road", "Tung Chung Road", "Pei Ho Street",
)  # fmt: skip
_HOURS: tuple[list[list[Any]], ...] = (
    [[[0, 1, 2, 3, 4], [], "09:30:00", "17:30:00", "", ""]],
    [[[0, 1, 2, 3, 4], [], "09:00:00", "18:00:00", "", ""],
     [[5], [], "09:00:00", "13:00:00", "", ""]],
    [[[1, 3], [], "14:00:00", "18:00:00", "", ""]],
    [[[], [], "00:00:00", "00:00:00", "", ""]],
    [],
)  # fmt: skip
_HOURS_WEIGHTS = (40, 25, 10, 5, 20)

_DISTRICT_IDS = tuple(POPULATION)
_DISTRICT_CUMULATIVE = tuple(
    sum(POPULATION[d] for d in _DISTRICT_IDS[: i + 1]) for i in range(len(_DISTRICT_IDS))
)
_LANGUAGE_CODES = tuple(code for code, _ in LANGUAGES)
_LANGUAGE_WEIGHTS = tuple(weight for _, weight in LANGUAGES)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _clip(value: float, bounds: tuple[float, float]) -> float:
    return min(max(value, bounds[0]), bounds[1])


def _organization(rng: random.Random, number: int) -> dict[str, Any]:
    name = f"{rng.choice(_ORG_WORDS)} {rng.choice(_ORG_KINDS)} {number}"
    return {"id": _uuid(rng), "name": {"en": name}}


def _categories(rng: random.Random) -> list[str]:
    top = rng.choice(TOP_LEVEL)
    chosen = {top}
    draw = rng.random()
    if draw < 0.55 and LEAVES[top]:
        chosen.add(rng.choice(LEAVES[top]))
    elif draw < 0.70:
        other = rng.choice(TOP_LEVEL)
        if LEAVES[other]:
            chosen.add(rng.choice(LEAVES[other]))
    return sorted(chosen)


def _languages(rng: random.Random) -> list[str]:
    extra = [c for c, w in zip(_LANGUAGE_CODES, _LANGUAGE_WEIGHTS, strict=True) if rng.random() < w]
    if len(extra) > MAX_EXTRA_LANGUAGES:
        extra = rng.sample(extra, MAX_EXTRA_LANGUAGES)
    return sorted({"en", *extra})


def _service(rng: random.Random, organization: dict[str, Any], number: int) -> dict[str, Any]:
    categories = _categories(rng)
    main = terms.BY_CODE[categories[-1]]
    name = f"{main.en} — {organization['name']['en']} service {number}"
    description = (
        f"{main.en} for people seeking protection, asylum seekers and refugees in Hong Kong."
    )
    eligibility: dict[str, dict[str, str]] = {}
    if rng.random() < 0.4:
        eligibility["immigration"] = {"non-refoulement-claimant": "yes"}
    free = rng.random() < FREE
    words = [name, description, organization["name"]["en"]]
    for code in categories:
        term = terms.BY_CODE[code]
        words += [term.en, term.zh]
    return {
        "id": _uuid(rng),
        "organization_id": organization["id"],
        "organization_name": organization["name"],
        "name": {"en": name},
        "description": {"en": description},
        "fees": {"en": "Free of charge." if free else "A small fee; ask about waivers."},
        "categories": categories,
        "languages": _languages(rng),
        "free": free,
        "accepting": rng.random() < ACCEPTING,
        "eligibility": eligibility,
        "waitlist_weeks": rng.choice((None, None, 0, 1, 2, 4)),
        "phones": [f"+852 {rng.randrange(2000, 3999)} {rng.randrange(1000, 9999)}"],
        "hours": rng.choices(_HOURS, weights=_HOURS_WEIGHTS)[0],
        "last_verified": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "words": words,
    }


def _row(rng: random.Random, service: dict[str, Any]) -> dict[str, Any]:
    district_id = rng.choices(_DISTRICT_IDS, cum_weights=_DISTRICT_CUMULATIVE)[0]
    district = DISTRICTS[district_id]
    lat = _clip(rng.gauss(district.lat, SIGMA_METRES / METRES_PER_DEGREE_LAT), LAT_RANGE)
    lng = _clip(rng.gauss(district.lng, SIGMA_METRES / METRES_PER_DEGREE_LNG), LNG_RANGE)
    lat, lng = round(lat, 6), round(lng, 6)
    confidential = rng.random() < CONFIDENTIAL
    draw = rng.random()
    wheelchair = True if draw < 0.5 else (False if draw < 0.7 else None)
    location_id, sal_id = _uuid(rng), _uuid(rng)
    street = f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}"
    place_name = f"{district.name_en} {rng.choice(('Centre', 'Office', 'Clinic', 'Hall'))}"
    exact = {
        "latitude": lat,
        "longitude": lng,
        "location_name": {"en": place_name},
        "address": {"text": {"en": f"{street}, {district.name_en}"}, "country": "HK"},
        "transportation": {},
    }
    if confidential:
        lat, lng = district.lat, district.lng
    tags = [f"cat:{c}" for code in service["categories"] for c in terms.with_ancestors(code)]
    tags += [f"lang:{c}" for c in service["languages"]]
    tags += [
        f"elig:{group}.{key}:{value}"
        for group, answers in service["eligibility"].items()
        for key, value in answers.items()
    ]
    tags.append("status:active")
    if service["free"]:
        tags.append("free")
    if service["accepting"]:
        tags.append("accepting")
    if wheelchair is not None:
        tags.append(f"wheelchair:{'yes' if wheelchair else 'no'}")
    words = service["words"] if confidential else [*service["words"], place_name, street]
    card = {
        "service_id": service["id"],
        "service_at_location_id": sal_id,
        "location_id": location_id,
        "organization_id": service["organization_id"],
        "service_name": service["name"],
        "organization_name": service["organization_name"],
        "description": service["description"],
        "fees": service["fees"],
        "status": "active",
        "categories": service["categories"],
        "languages": service["languages"],
        "free": service["free"],
        "eligibility": service["eligibility"],
        "accepting_referrals": service["accepting"],
        "waitlist_weeks": service["waitlist_weeks"],
        "district": district_id,
        "confidential": confidential,
        "wheelchair_accessible": wheelchair,
        "phones": service["phones"],
        "hours": service["hours"],
        "time_zone": "Asia/Hong_Kong",
        "closes_on_public_holidays": True,
        "last_verified": service["last_verified"],
        "public": None if confidential else exact,
        "private": exact if confidential else None,
    }
    return {
        "id": sal_id,
        "service_id": service["id"],
        "organization_id": service["organization_id"],
        "location_id": location_id,
        "latitude": lat,
        "longitude": lng,
        "tags": " " + " ".join(sorted(set(tags))) + " ",
        "search_text": " ".join(w.casefold() for w in words if w),
        "card": card,
    }


def points(n: int, *, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`n` synthetic `service_point` rows (all columns but `seq`), the same for the same seed.

    Services have one to three locations and organisations about 25 rows each; ids are UUIDs.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up benchmark data, not secrets
    organizations = [_organization(rng, i) for i in range(max(1, n // ROWS_PER_ORGANIZATION))]
    made = services = 0
    while made < n:
        services += 1
        service = _service(rng, rng.choice(organizations), services)
        locations = rng.choices((1, 2, 3), weights=(70, 20, 10))[0]
        for _ in range(min(locations, n - made)):
            yield _row(rng, service)
            made += 1


# --- bulk loading into PostgreSQL --------------------------------------------------------

COPY_COLUMNS = (
    "id",
    "service_id",
    "organization_id",
    "location_id",
    "latitude",
    "longitude",
    "tags",
    "search_text",
    "card",
    "geog",
)
BATCH = 50_000
_EWKB_POINT = struct.Struct("<BIIdd")  # little-endian, type Point | SRID flag, SRID, x, y


def _ewkb(point: tuple[float, float]) -> bytes:
    """A (lng, lat) point as EWKB with SRID 4326: what `geography_recv` reads in binary COPY."""
    return _EWKB_POINT.pack(1, 0x20000001, 4326, point[0], point[1])


def _record(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["id"],
        row["service_id"],
        row["organization_id"],
        row["location_id"],
        row["latitude"],
        row["longitude"],
        row["tags"],
        row["search_text"],
        orjson.dumps(row["card"]).decode(),
        (row["longitude"], row["latitude"]),
    )


def _asyncpg_dsn(dsn: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://"):
        if dsn.startswith(prefix):
            return "postgresql://" + dsn.removeprefix(prefix)
    return dsn


async def load_postgres(dsn: str, n: int, *, seed: int = 7, batch: int = BATCH) -> None:
    """Appends `points(n, seed=seed)` to `service_point` of a migrated database, then ANALYZEs.

    `dsn` is a libpq URL (a SQLAlchemy `postgresql+asyncpg://` URL works too). The rows go in by
    binary COPY in batches of `batch`, in one transaction; the table's indexes that back no
    constraint (GiST, trigram, the B-trees on references) are dropped first and built once at the
    end, which is several times faster than maintaining them row by row.
    """
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(dsn))
    try:
        schema = await connection.fetchval(
            "SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE t.typname = 'geography'"
        )
        if schema is None:
            raise RuntimeError("PostGIS is not installed: run the directory migrations first")
        await connection.set_type_codec(
            "geography", schema=schema, encoder=_ewkb, decoder=bytes, format="binary"
        )
        async with connection.transaction():
            indexes = await connection.fetch(
                "SELECT i.indexrelid::regclass::text AS name,"
                " pg_get_indexdef(i.indexrelid) AS definition"
                " FROM pg_index i WHERE i.indrelid = 'service_point'::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
            )
            for index in indexes:
                await connection.execute(f"DROP INDEX {index['name']}")
            rows = points(n, seed=seed)
            while part := [_record(row) for row in islice(rows, batch)]:
                await connection.copy_records_to_table(
                    "service_point", records=part, columns=COPY_COLUMNS
                )
            await connection.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for index in indexes:
                await connection.execute(index["definition"])
        await connection.execute("ANALYZE service_point")
    finally:
        await connection.close()
