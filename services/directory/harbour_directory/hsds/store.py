"""Writes a checked `Batch` of HSDS rows, replacing what it supersedes, in the caller's session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.geo.gazetteer import nearest_district
from harbour_directory.hsds.fields import ARRAYS
from harbour_directory.hsds.ingest import Batch, link_of
from harbour_directory.models import HSDS, location_profile, service_profile, translation
from harbour_kit.db import execute

CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """`values` in slices small enough for one IN (...) on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def _child_ids(session: AsyncSession, parent: str, ids: Sequence[str]) -> dict[str, set[str]]:
    """Every descendant of these records, by table, following HSDS nesting (not references)."""
    found: dict[str, set[str]] = {}
    for child in set(ARRAYS.get(parent, {}).values()):
        if child == "location":
            continue  # locations are shared records, never owned by what points at them
        column, fixed = link_of(parent, child)
        table = HSDS[child]
        for part in chunks(list(ids)):
            condition: Any = table.c[column].in_(part)
            for name, value in fixed.items():
                condition = and_(condition, table.c[name] == value)
            rows = await execute(session, select(table.c.id).where(condition))
            found.setdefault(child, set()).update(rows.scalars().all())
    for child, child_ids in list(found.items()):
        if child_ids:
            for table_name, more in (await _child_ids(session, child, list(child_ids))).items():
                found.setdefault(table_name, set()).update(more)
    return found


async def delete_records(session: AsyncSession, table_name: str, ids: Sequence[str]) -> None:
    """Deletes records with everything nested under them and their translations."""
    if not ids:
        return
    doomed = await _child_ids(session, table_name, ids)
    doomed.setdefault(table_name, set()).update(ids)
    for name, doomed_ids in doomed.items():
        for part in chunks(sorted(doomed_ids)):
            await execute(session, delete(HSDS[name]).where(HSDS[name].c.id.in_(part)))
            await execute(
                session,
                delete(translation).where(
                    translation.c.entity == name, translation.c.entity_id.in_(part)
                ),
            )
        if name == "service":
            for part in chunks(sorted(doomed_ids)):
                await execute(
                    session, delete(service_profile).where(service_profile.c.service_id.in_(part))
                )


async def apply(session: AsyncSession, batch: Batch, *, time_zone: str) -> None:
    """Writes the batch: replaced child sets first, then every row as an upsert by id."""
    for child, column, parent_id in sorted(batch.replaced):
        table = HSDS[child]
        keep = [
            row_id
            for row_id, row in batch.rows.get(child, {}).items()
            if row.get(column) == parent_id
        ]
        query = select(table.c.id).where(table.c[column] == parent_id)
        if keep:
            query = query.where(table.c.id.not_in(keep))
        stale = (await execute(session, query)).scalars().all()
        await delete_records(session, child, list(stale))
    for name, rows in batch.rows.items():
        table = HSDS[name]
        ids = list(rows)
        for part in chunks(ids):
            await execute(session, delete(table).where(table.c.id.in_(part)))
        for part in chunks(list(rows.values())):
            await execute(session, insert(table), list(part))
    await _write_translations(session, batch)
    await _write_profiles(session, batch, time_zone=time_zone)


async def _write_translations(session: AsyncSession, batch: Batch) -> None:
    keys = list(batch.translations)
    for part in chunks(keys):
        await execute(
            session,
            delete(translation).where(
                tuple_(translation.c.entity, translation.c.entity_id).in_(part)
            ),
        )
    rows = [
        {"entity": entity, "entity_id": entity_id, "locale": locale, "field": name, "value": value}
        for (entity, entity_id), locales in batch.translations.items()
        for locale, fields in locales.items()
        for name, value in fields.items()
    ]
    for part in chunks(rows):
        await execute(session, insert(translation), list(part))


async def _write_profiles(session: AsyncSession, batch: Batch, *, time_zone: str) -> None:
    now = datetime.now(UTC)
    service_ids = sorted(batch.service_ids)
    existing: dict[str, dict[str, Any]] = {}
    for part in chunks(service_ids):
        rows = await execute(
            session, select(service_profile).where(service_profile.c.service_id.in_(part))
        )
        existing.update({row.service_id: dict(row._mapping) for row in rows})
        await execute(
            session, delete(service_profile).where(service_profile.c.service_id.in_(part))
        )
    profiles = []
    for service_id in service_ids:
        profile = existing.get(service_id) or {
            "service_id": service_id,
            "accepting_referrals": None,
            "waitlist_weeks": None,
            "waitlist_length": None,
            "capacity_updated_at": None,
            "referral_method": None,
            "referral_instructions": None,
            "response_days": None,
            "time_zone": time_zone,
            "closes_on_public_holidays": True,
            "version": 0,
        }
        profile.update(batch.service_profiles.get(service_id, {}))
        profile["version"] = int(profile["version"]) + 1
        profile["updated_at"] = now
        profiles.append(profile)
    for part in chunks(profiles):
        await execute(session, insert(service_profile), list(part))

    locations = batch.rows.get("location", {})
    location_ids = sorted(locations)
    for part in chunks(location_ids):
        await execute(
            session, delete(location_profile).where(location_profile.c.location_id.in_(part))
        )
    profile_rows: list[dict[str, Any]] = []
    for location_id in location_ids:
        profile = batch.location_profiles.get(
            location_id, {"confidential": False, "district": None}
        )
        district = profile.get("district")
        lat, lng = locations[location_id].get("latitude"), locations[location_id].get("longitude")
        if district is None and valid_point(lat, lng):
            district = nearest_district(float(lat), float(lng)).id  # type: ignore[arg-type]
        profile_rows.append(
            {
                "location_id": location_id,
                "district": district,
                "confidential": bool(profile.get("confidential")),
            }
        )
    for part in chunks(profile_rows):
        await execute(session, insert(location_profile), list(part))


def valid_point(lat: Any, lng: Any) -> bool:
    """Whether a location's coordinates can be placed on the map."""
    return (
        isinstance(lat, int | float)
        and isinstance(lng, int | float)
        and -90 <= lat <= 90
        and -180 <= lng <= 180
    )
