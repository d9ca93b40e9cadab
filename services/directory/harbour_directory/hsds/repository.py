"""Every query on HSDS records: batched reads, pages, and writing a checked `Batch`.

Reads are one query per table and level (by id, by parent link, translations). A write replaces
what the batch supersedes in the caller's session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.geo.gazetteer import nearest_district, valid_point
from harbour_directory.hsds.fields import ARRAYS
from harbour_directory.hsds.ingest import Batch, link_of, merge_rows
from harbour_directory.hsds.locales import Translations
from harbour_directory.models import HSDS, location_profile, service_profile, translation
from harbour_kit.db import execute

CHUNK = 500
Row = dict[str, Any]


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """`values` in slices small enough for one IN (...) on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _table(table: Table | str) -> Table:
    return HSDS[table] if isinstance(table, str) else table


async def by_ids(
    *, session: AsyncSession, table: Table | str, ids: Iterable[str], key: str = "id"
) -> dict[str, Row]:
    """Rows of `table` (an HSDS table by name, or any table) whose `key` is one of `ids`."""
    table = _table(table)
    wanted = sorted({i for i in ids if i})
    found: dict[str, Row] = {}
    for part in chunks(wanted):
        rows = await execute(session, select(table).where(table.c[key].in_(part)))
        found.update({row._mapping[key]: dict(row._mapping) for row in rows})
    return found


async def by_link(
    *,
    session: AsyncSession,
    table: Table | str,
    column: str,
    parent_ids: Iterable[str],
    fixed: Mapping[str, str] | None = None,
) -> dict[str, list[Row]]:
    """Rows of `table` grouped by the parent id in `column`, in id order."""
    table = _table(table)
    wanted = sorted({i for i in parent_ids if i})
    grouped: dict[str, list[Row]] = {}
    for part in chunks(wanted):
        query = select(table).where(table.c[column].in_(part))
        for name, value in (fixed or {}).items():
            query = query.where(table.c[name] == value)
        rows = await execute(session, query.order_by(table.c.id))
        for row in rows:
            grouped.setdefault(row._mapping[column], []).append(dict(row._mapping))
    return grouped


async def translations(
    *, session: AsyncSession, entity: str, ids: Iterable[str]
) -> dict[str, Translations]:
    """Translations of these records: id → locale → field → text."""
    wanted = sorted({i for i in ids if i})
    found: dict[str, Translations] = {}
    for part in chunks(wanted):
        rows = await execute(
            session,
            select(translation).where(
                translation.c.entity == entity, translation.c.entity_id.in_(part)
            ),
        )
        for row in rows:
            found.setdefault(row.entity_id, {}).setdefault(row.locale, {})[row.field] = row.value
    return found


async def page(
    *,
    session: AsyncSession,
    table: str,
    where: Sequence[ColumnElement[bool]],
    order: str,
    number: int,
    per_page: int,
) -> tuple[list[Row], int]:
    """One page of `table`'s rows matching `where`, by `order` then id, and how many match."""
    hsds = HSDS[table]
    query = select(hsds)
    for clause in where:
        query = query.where(clause)
    total = (
        await execute(session, select(func.count()).select_from(query.subquery()))
    ).scalar_one()
    rows = await execute(
        session,
        query.order_by(hsds.c[order], hsds.c.id).offset((number - 1) * per_page).limit(per_page),
    )
    return [dict(r._mapping) for r in rows], int(total)


TEXT = ("name", "alternate_name", "description")  # what `search` reads, with translations


def text_matches(table: str, words: str | None) -> list[ColumnElement[bool]]:
    """Each word in a record's names or description, in any language it has (case ignored)."""
    hsds = HSDS[table]
    columns = [c for c in TEXT if c in hsds.c]
    where: list[ColumnElement[bool]] = []
    for word in (words or "").split():
        needle = word.casefold()
        translated = select(translation.c.entity_id).where(
            translation.c.entity == table,
            translation.c.field.in_(columns),
            func.lower(translation.c.value).contains(needle, autoescape=True),
        )
        where.append(
            or_(
                *(func.lower(hsds.c[c]).contains(needle, autoescape=True) for c in columns),
                hsds.c.id.in_(translated),
            )
        )
    return where


def linked_to_terms(
    column: ColumnElement[Any], *, term_id: str | None, taxonomy_id: str | None
) -> list[ColumnElement[bool]]:
    """Records (by id `column`) with an attribute of this term, or of any term of this taxonomy."""
    attribute, term = HSDS["attribute"], HSDS["taxonomy_term"]
    where: list[ColumnElement[bool]] = []
    if term_id:
        where.append(
            column.in_(select(attribute.c.link_id).where(attribute.c.taxonomy_term_id == term_id))
        )
    if taxonomy_id:
        where.append(
            column.in_(
                select(attribute.c.link_id)
                .join(term, term.c.id == attribute.c.taxonomy_term_id)
                .where(term.c.taxonomy_id == taxonomy_id)
            )
        )
    return where


def service_filters(
    *,
    ids: list[str] | None,
    organization_id: str | None,
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    words: str | None,
    modified_after: datetime | None,
) -> list[ColumnElement[bool]]:
    """What a services page keeps: ids, organisation, taxonomy term or taxonomy, words, date."""
    service = HSDS["service"]
    where: list[ColumnElement[bool]] = []
    if ids is not None:
        where.append(service.c.id.in_(ids))
    if organization_id:
        where.append(service.c.organization_id == organization_id)
    where += linked_to_terms(service.c.id, term_id=taxonomy_term_id, taxonomy_id=taxonomy_id)
    where += text_matches("service", words)
    if modified_after:
        where.append(service.c.last_modified >= modified_after.isoformat())
    return where


def organization_filters(*, ids: list[str] | None, words: str | None) -> list[ColumnElement[bool]]:
    """What an organizations page keeps: ids and words in the names or description."""
    organization = HSDS["organization"]
    where = [organization.c.id.in_(ids)] if ids is not None else []
    return where + text_matches("organization", words)


async def batches(
    *,
    session: AsyncSession,
    table: str,
    where: Sequence[ColumnElement[bool]],
    order: str,
    size: int = CHUNK,
) -> AsyncIterator[list[Row]]:
    """Every row matching `where`, by `order` then id, in batches read after the last one seen."""
    hsds = HSDS[table]
    key, ident = func.coalesce(hsds.c[order], ""), hsds.c.id  # NULLs sort alike on both backends
    last: Row | None = None
    while True:
        query = select(hsds).where(*where)
        if last is not None:
            # Keyset paging: a long stream never skips or repeats a row, and never slows down.
            seen = last[order] or ""
            query = query.where(or_(key > seen, and_(key == seen, ident > last["id"])))
        rows = await execute(session, query.order_by(key, ident).limit(size))
        found = [dict(r._mapping) for r in rows]
        if not found:
            return
        yield found
        last = found[-1]
        if len(found) < size:
            return


async def every(*, session: AsyncSession, table: str, by_name: bool = False) -> list[Row]:
    """Every row of `table`, by id (or by name, then id)."""
    hsds = HSDS[table]
    order = (hsds.c.name, hsds.c.id) if by_name else (hsds.c.id,)
    return [dict(r._mapping) for r in await execute(session, select(hsds).order_by(*order))]


async def _child_ids(session: AsyncSession, parent: str, ids: Sequence[str]) -> dict[str, set[str]]:
    """Every descendant of these records, by table, following HSDS nesting (not references)."""
    found: dict[str, set[str]] = {}
    for child in set(ARRAYS.get(parent, {}).values()):
        if child == "location":
            continue  # locations are shared records, never owned by what points at them
        column, _fixed = link_of(parent, child)  # link_entity is kept as sent: match by id only
        table = HSDS[child]
        for part in chunks(list(ids)):
            rows = await execute(session, select(table.c.id).where(table.c[column].in_(part)))
            found.setdefault(child, set()).update(rows.scalars().all())
    for child, child_ids in list(found.items()):
        if child_ids:
            for table_name, more in (await _child_ids(session, child, list(child_ids))).items():
                found.setdefault(table_name, set()).update(more)
    return found


async def delete_records(*, session: AsyncSession, table: str, ids: Sequence[str]) -> None:
    """Deletes records with everything nested under them and their translations."""
    if not ids:
        return
    doomed = await _child_ids(session, table, ids)
    doomed.setdefault(table, set()).update(ids)
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


def parent_links(child: str) -> frozenset[str]:
    """The columns of `child` that tie it to a parent it is nested under."""
    return frozenset(
        link_of(parent, child)[0] for parent, arrays in ARRAYS.items() if child in arrays.values()
    )


async def _drop_stale(session: AsyncSession, batch: Batch) -> None:
    """Children missing from a complete set leave that parent; deleted if it was their last."""
    for child, column, parent_id in sorted(batch.replaced):
        table = HSDS[child]
        keep = [
            row_id
            for row_id, row in batch.rows.get(child, {}).items()
            if row.get(column) == parent_id
        ]
        query = select(table).where(table.c[column] == parent_id)
        if keep:
            query = query.where(table.c.id.not_in(keep))
        stale = [dict(r._mapping) for r in await execute(session, query)]
        others = parent_links(child) - {column}
        shared = [r["id"] for r in stale if any(r.get(c) for c in others)]
        for part in chunks(shared):
            await execute(session, update(table).where(table.c.id.in_(part)).values({column: None}))
        doomed = [r["id"] for r in stale if r["id"] not in set(shared)]
        await delete_records(session=session, table=child, ids=doomed)


async def write(*, session: AsyncSession, batch: Batch, time_zone: str) -> None:
    """Writes the batch: replaced child sets first, then every row merged into what is stored.

    A record's absent fields keep their stored value (an explicit null clears one), so an
    abbreviated nested record never erases what a fuller one said; the batch's rows become
    the full rows written.
    """
    await _drop_stale(session, batch)
    for name, rows in batch.rows.items():
        table = HSDS[name]
        stored = await by_ids(session=session, table=table, ids=list(rows))
        empty = {column.name: None for column in table.columns}
        for row_id, row in rows.items():
            rows[row_id] = merge_rows({**empty, **stored.get(row_id, {})}, row)
        for part in chunks(list(rows)):
            await execute(session, delete(table).where(table.c.id.in_(part)))
        for part in chunks(list(rows.values())):
            await execute(session, insert(table), list(part))
    await _write_translations(session, batch)
    await _write_service_profiles(session, batch, time_zone=time_zone)
    await _write_location_profiles(session, batch)


async def _write_translations(session: AsyncSession, batch: Batch) -> None:
    for part in chunks(list(batch.translations)):
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


def _new_profile(service_id: str, time_zone: str | None) -> Row:
    return {
        "service_id": service_id,
        "accepting_referrals": None,
        "waitlist_weeks": None,
        "waitlist_length": None,
        "capacity_updated_at": None,
        "referral_method": None,
        "referral_instructions": None,
        "response_days": None,
        "time_zone": time_zone,
        "closes_on_public_holidays": True if time_zone else None,
        "version": 0,
    }


async def _write_service_profiles(session: AsyncSession, batch: Batch, *, time_zone: str) -> None:
    now = datetime.now(UTC)
    service_ids = sorted(batch.service_ids)
    existing: dict[str, Row] = {}
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
        default = time_zone if batch.own else None  # never invented on imported listings
        profile = existing.get(service_id) or _new_profile(service_id, default)
        profile.update(batch.service_profiles.get(service_id, {}))
        profile["version"] = int(profile["version"]) + 1
        profile["updated_at"] = now
        profiles.append(profile)
    for part in chunks(profiles):
        await execute(session, insert(service_profile), list(part))


async def _write_location_profiles(session: AsyncSession, batch: Batch) -> None:
    locations = batch.rows.get("location", {})
    location_ids = sorted(locations)
    stored = await by_ids(
        session=session, table=location_profile, ids=location_ids, key="location_id"
    )
    for part in chunks(location_ids):
        await execute(
            session, delete(location_profile).where(location_profile.c.location_id.in_(part))
        )
    profile_rows: list[Row] = []
    for location_id in location_ids:
        sent = batch.location_profiles.get(location_id, {})
        profile = {"confidential": False, "district": None, **stored.get(location_id, {}), **sent}
        district = profile.get("district")
        if batch.own and "district" not in sent:
            district = None  # Harbour's own listings: the district follows the point
        lat, lng = locations[location_id].get("latitude"), locations[location_id].get("longitude")
        if district is None and batch.own and valid_point(lat, lng):
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
