"""The search projection: one `service_point` row per service-at-location, rebuilt on every change.

A row carries what a search filters on (`tags`, `search_text`, the point) and the `card` a result
shows, so a search is one query. Tags are words between spaces (` cat:legal lang:ur free `) so the
same `LIKE` filter works on both backends. A confidential location is placed at its district's
reference point; its real address stays in `card.private`, shown only to signed-in users.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory import hours
from harbour_directory.geo.gazetteer import DISTRICTS, valid_point
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.hsds.locales import Translations, texts
from harbour_directory.hsds.repository import Row, chunks
from harbour_directory.models import location_profile, service_profile
from harbour_directory.search import repository
from harbour_directory.taxonomy import terms

INACTIVE = frozenset({"inactive", "defunct"})
CHUNK = 200


def tag_text(tags: Iterable[str]) -> str:
    """Tags as stored: sorted, space-separated, with a space at each end."""
    return " " + " ".join(sorted(set(tags))) + " "


def _language_code(code: str | None) -> str | None:
    return code.strip().lower() if code and code.strip() else None


async def services_of_locations(session: AsyncSession, location_ids: Iterable[str]) -> set[str]:
    """Services offered at any of these locations."""
    grouped = await hsds_repository.by_link(
        session=session,
        table="service_at_location",
        column="location_id",
        parent_ids=location_ids,
    )
    return {row["service_id"] for rows in grouped.values() for row in rows if row["service_id"]}


async def services_of_organizations(
    session: AsyncSession, organization_ids: Iterable[str]
) -> set[str]:
    """Services of these organisations."""
    grouped = await hsds_repository.by_link(
        session=session,
        table="service",
        column="organization_id",
        parent_ids=organization_ids,
    )
    return {row["id"] for rows in grouped.values() for row in rows}


async def refresh(session: AsyncSession, service_ids: Iterable[str]) -> None:
    """Rebuilds the search rows of these services (removing those of services gone)."""
    for part in chunks(sorted(set(service_ids)), CHUNK):
        part = list(part)
        await repository.remove_points(session=session, service_ids=part)
        rows = await _build(session, part)
        if rows:
            await repository.insert_points(session=session, rows=rows)


async def _build(session: AsyncSession, service_ids: list[str]) -> list[dict[str, Any]]:
    async def by_ids(table: Table | str, ids: Iterable[str], key: str = "id") -> dict[str, Row]:
        return await hsds_repository.by_ids(session=session, table=table, ids=ids, key=key)

    async def by_link(table: Table | str, column: str, ids: Iterable[str]) -> dict[str, list[Row]]:
        return await hsds_repository.by_link(
            session=session, table=table, column=column, parent_ids=ids
        )

    async def translated(entity: str, ids: Iterable[str]) -> dict[str, Translations]:
        return await hsds_repository.translations(session=session, entity=entity, ids=ids)

    services = await by_ids("service", service_ids)
    live = [sid for sid, row in services.items() if (row.get("status") or "active") not in INACTIVE]
    if not live:
        return []
    profiles = await by_ids(service_profile, live, key="service_id")
    sals = await by_link("service_at_location", "service_id", live)
    location_ids = {
        row["location_id"] for rows in sals.values() for row in rows if row["location_id"]
    }
    sal_ids = [row["id"] for rows in sals.values() for row in rows]
    locations = await by_ids("location", location_ids)
    lprofiles = await by_ids(location_profile, location_ids, key="location_id")
    organizations = await by_ids("organization", {services[s]["organization_id"] for s in live})
    addresses = await by_link("address", "location_id", location_ids)
    languages = await by_link("language", "service_id", live)
    location_languages = await by_link("language", "location_id", location_ids)
    costs = await by_link("cost_option", "service_id", live)
    schedules = await by_link("schedule", "service_id", live)
    sal_schedules = await by_link("schedule", "service_at_location_id", sal_ids)
    location_schedules = await by_link("schedule", "location_id", location_ids)
    phones = await by_link("phone", "service_id", live)
    attributes = await by_link("attribute", "link_id", [*live, *location_ids])
    tr_service = await translated("service", live)
    tr_org = await translated("organization", organizations)
    tr_location = await translated("location", location_ids)
    tr_address = await translated("address", [a["id"] for rows in addresses.values() for a in rows])

    out: list[dict[str, Any]] = []
    for sid in live:
        service = services[sid]
        profile = profiles.get(sid, {})
        org = organizations.get(service["organization_id"] or "", {})
        categories = sorted(set(terms.categories(attributes.get(sid, []))))
        eligibility = terms.eligibility(attributes.get(sid, []))
        free = any(c.get("amount") == 0 for c in costs.get(sid, []))
        service_languages = {_language_code(x["code"]) for x in languages.get(sid, [])}
        service_text = [
            *texts(service, "name", tr_service.get(sid)).values(),
            *texts(service, "description", tr_service.get(sid)).values(),
            *texts(org, "name", tr_org.get(org.get("id", ""))).values(),
        ]
        for code in categories:
            term = terms.BY_CODE[code]
            service_text += [term.en, term.zh]
        for sal in sals.get(sid, []):
            location = locations.get(sal["location_id"] or "")
            if location is None or not valid_point(location["latitude"], location["longitude"]):
                continue
            lid = location["id"]
            lprofile = lprofiles.get(lid, {})
            confidential = bool(lprofile.get("confidential"))
            district = lprofile.get("district")
            wheelchair = terms.wheelchair_accessible(attributes.get(lid, []))
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
                "location_name": texts(location, "name", tr_location.get(lid)),
                "address": address,
                "transportation": texts(location, "transportation", tr_location.get(lid)),
            }
            lat, lng = float(location["latitude"]), float(location["longitude"])
            if confidential and district in DISTRICTS:
                lat, lng = DISTRICTS[district].lat, DISTRICTS[district].lng
            tags = [f"cat:{c}" for code in categories for c in terms.with_ancestors(code)]
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
                "service_name": texts(service, "name", tr_service.get(sid)),
                "organization_name": texts(org, "name", tr_org.get(org.get("id", ""))),
                "organization_description": texts(
                    org, "description", tr_org.get(org.get("id", ""))
                ),
                "description": texts(service, "description", tr_service.get(sid)),
                "fees": texts(service, "fees_description", tr_service.get(sid)),
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


def _address(row: dict[str, Any], tr: Translations | None) -> dict[str, Any]:
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
