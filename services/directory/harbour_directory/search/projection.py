"""The search projection: one `service_point` row per service-at-location, rebuilt on every change.

A row carries what a search filters on (`tags`, `search_text`, the point) and the `card` a result
shows, so a search is one query. Tags are words between spaces (` cat:legal lang:ur free `) so the
same `LIKE` filter works on both backends. A confidential location is placed at its district's
reference point; its real address stays in `card.private`, shown only to signed-in users.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory import hours, taxonomy
from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.hsds import load
from harbour_directory.hsds.store import chunks, valid_point
from harbour_directory.models import HSDS, location_profile, service_point, service_profile
from harbour_kit.db import dialect_of, execute

INACTIVE = frozenset({"inactive", "defunct"})
CHUNK = 200


def tag_text(tags: Iterable[str]) -> str:
    """Tags as stored: sorted, space-separated, with a space at each end."""
    return " " + " ".join(sorted(set(tags))) + " "


def _language_code(code: str | None) -> str | None:
    return code.strip().lower() if code and code.strip() else None


async def services_of_locations(session: AsyncSession, location_ids: Iterable[str]) -> set[str]:
    """Services offered at any of these locations."""
    grouped = await load.by_link(session, HSDS["service_at_location"], "location_id", location_ids)
    return {row["service_id"] for rows in grouped.values() for row in rows if row["service_id"]}


async def services_of_organizations(
    session: AsyncSession, organization_ids: Iterable[str]
) -> set[str]:
    """Services of these organisations."""
    grouped = await load.by_link(session, HSDS["service"], "organization_id", organization_ids)
    return {row["id"] for rows in grouped.values() for row in rows}


async def refresh(session: AsyncSession, service_ids: Iterable[str]) -> None:
    """Rebuilds the search rows of these services (removing those of services gone)."""
    for part in chunks(sorted(set(service_ids)), CHUNK):
        part = list(part)
        await _remove(session, part)
        rows = await _build(session, part)
        if rows:
            await _insert(session, rows)


async def _remove(session: AsyncSession, service_ids: Iterable[str]) -> None:
    ids = list(service_ids)
    if dialect_of(session) == "sqlite":
        seqs = (
            (
                await execute(
                    session, select(service_point.c.seq).where(service_point.c.service_id.in_(ids))
                )
            )
            .scalars()
            .all()
        )
        for part in chunks(list(seqs)):
            marks = ",".join(str(int(s)) for s in part)
            await execute(session, text(f"DELETE FROM service_point_rtree WHERE seq IN ({marks})"))
            await execute(session, text(f"DELETE FROM service_point_fts WHERE rowid IN ({marks})"))
    await execute(session, delete(service_point).where(service_point.c.service_id.in_(ids)))


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
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
    ids = [row["id"] for row in rows]
    inserted = await execute(
        session,
        select(
            service_point.c.seq,
            service_point.c.latitude,
            service_point.c.longitude,
            service_point.c.search_text,
        ).where(service_point.c.id.in_(ids)),
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


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _build(session: AsyncSession, service_ids: list[str]) -> list[dict[str, Any]]:
    services = await load.by_ids(session, HSDS["service"], service_ids)
    live = [sid for sid, row in services.items() if (row.get("status") or "active") not in INACTIVE]
    if not live:
        return []
    profiles = await load.by_ids(session, service_profile, live, key="service_id")
    sals = await load.by_link(session, HSDS["service_at_location"], "service_id", live)
    location_ids = {
        row["location_id"] for rows in sals.values() for row in rows if row["location_id"]
    }
    sal_ids = [row["id"] for rows in sals.values() for row in rows]
    locations = await load.by_ids(session, HSDS["location"], location_ids)
    lprofiles = await load.by_ids(session, location_profile, location_ids, key="location_id")
    organizations = await load.by_ids(
        session, HSDS["organization"], {services[s]["organization_id"] for s in live}
    )
    addresses = await load.by_link(session, HSDS["address"], "location_id", location_ids)
    languages = await load.by_link(session, HSDS["language"], "service_id", live)
    location_languages = await load.by_link(session, HSDS["language"], "location_id", location_ids)
    costs = await load.by_link(session, HSDS["cost_option"], "service_id", live)
    schedules = await load.by_link(session, HSDS["schedule"], "service_id", live)
    sal_schedules = await load.by_link(session, HSDS["schedule"], "service_at_location_id", sal_ids)
    location_schedules = await load.by_link(session, HSDS["schedule"], "location_id", location_ids)
    phones = await load.by_link(session, HSDS["phone"], "service_id", live)
    attributes = await load.by_link(session, HSDS["attribute"], "link_id", [*live, *location_ids])
    tr_service = await load.translations(session, "service", live)
    tr_org = await load.translations(session, "organization", organizations)
    tr_location = await load.translations(session, "location", location_ids)
    tr_address = await load.translations(
        session, "address", [a["id"] for rows in addresses.values() for a in rows]
    )

    out: list[dict[str, Any]] = []
    for sid in live:
        service = services[sid]
        profile = profiles.get(sid, {})
        org = organizations.get(service["organization_id"] or "", {})
        terms = [taxonomy.BY_ID.get(a["taxonomy_term_id"] or "") for a in attributes.get(sid, [])]
        categories = sorted({t.code for t in terms if t and t.taxonomy == taxonomy.CATEGORIES})
        eligibility: dict[str, dict[str, str]] = {}
        for attribute in attributes.get(sid, []):
            term = taxonomy.BY_ID.get(attribute["taxonomy_term_id"] or "")
            if (
                term
                and term.taxonomy == taxonomy.ELIGIBILITY
                and attribute["value"] in ("yes", "no")
            ):
                _, group, key = term.code.split(".", 2)
                eligibility.setdefault(group, {})[key] = attribute["value"]
        free = any(c.get("amount") == 0 for c in costs.get(sid, []))
        service_languages = {_language_code(x["code"]) for x in languages.get(sid, [])}
        service_text = [
            *load.texts(service, "name", tr_service.get(sid)).values(),
            *load.texts(service, "description", tr_service.get(sid)).values(),
            *load.texts(org, "name", tr_org.get(org.get("id", ""))).values(),
        ]
        for code in categories:
            term = taxonomy.BY_CODE[code]
            service_text += [term.en, term.zh]
        for sal in sals.get(sid, []):
            location = locations.get(sal["location_id"] or "")
            if location is None or not valid_point(location["latitude"], location["longitude"]):
                continue
            lid = location["id"]
            lprofile = lprofiles.get(lid, {})
            confidential = bool(lprofile.get("confidential"))
            district = lprofile.get("district")
            wheelchair = None
            for attribute in attributes.get(lid, []):
                term = taxonomy.BY_ID.get(attribute["taxonomy_term_id"] or "")
                if term and term.code == "access.wheelchair":
                    wheelchair = attribute["value"] == "yes"
            langs = sorted(
                c
                for c in service_languages
                | {_language_code(x["code"]) for x in location_languages.get(lid, [])}
                if c
            )
            rows = (
                sal_schedules.get(sal["id"])
                or schedules.get(sid)
                or location_schedules.get(lid)
                or []
            )
            periods = hours.parse_schedules(rows)
            address_rows = addresses.get(lid, [])
            address = (
                _address(address_rows[0], tr_address.get(address_rows[0]["id"]))
                if address_rows
                else None
            )
            exact = {
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "location_name": load.texts(location, "name", tr_location.get(lid)),
                "address": address,
                "transportation": load.texts(location, "transportation", tr_location.get(lid)),
            }
            lat, lng = float(location["latitude"]), float(location["longitude"])
            if confidential and district in DISTRICTS:
                lat, lng = DISTRICTS[district].lat, DISTRICTS[district].lng
            tags = [f"cat:{c}" for code in categories for c in taxonomy.with_ancestors(code)]
            tags += [f"lang:{c}" for c in langs]
            tags += [
                f"elig:{g}.{k}:{v}"
                for g, answers in eligibility.items()
                for k, v in answers.items()
            ]
            tags.append(f"status:{service.get('status') or 'active'}")
            if free:
                tags.append("free")
            if profile.get("accepting_referrals"):
                tags.append("accepting")
            if wheelchair is not None:
                tags.append(f"wheelchair:{'yes' if wheelchair else 'no'}")
            words = [*service_text]
            if not confidential:
                words += [
                    *exact["location_name"].values(),
                    *(address or {}).get("text", {}).values(),
                ]
            card = {
                "service_id": sid,
                "service_at_location_id": sal["id"],
                "location_id": lid,
                "organization_id": service["organization_id"],
                "service_name": load.texts(service, "name", tr_service.get(sid)),
                "organization_name": load.texts(org, "name", tr_org.get(org.get("id", ""))),
                "description": load.texts(service, "description", tr_service.get(sid)),
                "fees": load.texts(service, "fees_description", tr_service.get(sid)),
                "status": service.get("status") or "active",
                "categories": categories,
                "languages": langs,
                "free": free,
                "eligibility": eligibility,
                "accepting_referrals": profile.get("accepting_referrals"),
                "waitlist_weeks": profile.get("waitlist_weeks"),
                "district": district,
                "confidential": confidential,
                "wheelchair_accessible": wheelchair,
                "phones": [p["number"] for p in phones.get(sid, []) if p.get("number")],
                "hours": hours.to_compact(periods),
                "time_zone": profile.get("time_zone") or "Asia/Hong_Kong",
                "closes_on_public_holidays": bool(profile.get("closes_on_public_holidays", True)),
                "last_verified": service.get("assured_date"),
                "public": None if confidential else exact,
                "private": exact if confidential else None,
            }
            out.append(
                {
                    "id": sal["id"],
                    "service_id": sid,
                    "organization_id": service["organization_id"],
                    "location_id": lid,
                    "latitude": lat,
                    "longitude": lng,
                    "tags": tag_text(tags),
                    "search_text": " ".join(w.casefold() for w in words if w),
                    "card": card,
                }
            )
    return out


def _address(row: dict[str, Any], tr: load.Translations | None) -> dict[str, Any]:
    parts = ("address_1", "address_2", "city", "region", "state_province")
    localised: dict[str, str] = {}
    for locale in {"en", *(tr or {})}:
        values = [
            (tr or {}).get(locale, {}).get(p) if locale != "en" else row.get(p) for p in parts
        ]
        fallback = [row.get(p) for p in parts]
        chosen = [str(v or f) for v, f in zip(values, fallback, strict=True) if v or f]
        line = "".join(reversed(chosen)) if locale.startswith("zh") else ", ".join(chosen)
        if line:
            localised[locale] = line
    return {"text": localised, "country": row.get("country")}
