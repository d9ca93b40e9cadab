"""Batched reads of HSDS rows: by id, by parent link, and translations — one query per table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds.store import chunks
from harbour_directory.models import translation
from harbour_kit.db import execute

Row = dict[str, Any]
Translations = dict[str, dict[str, str]]  # locale → field → text


async def by_ids(
    session: AsyncSession, table: Table, ids: Iterable[str], key: str = "id"
) -> dict[str, Row]:
    """Rows of `table` whose `key` is one of `ids`."""
    wanted = sorted({i for i in ids if i})
    found: dict[str, Row] = {}
    for part in chunks(wanted):
        rows = await execute(session, select(table).where(table.c[key].in_(part)))
        found.update({row._mapping[key]: dict(row._mapping) for row in rows})
    return found


async def by_link(
    session: AsyncSession, table: Table, column: str, parent_ids: Iterable[str], **fixed: str
) -> dict[str, list[Row]]:
    """Rows of `table` grouped by the parent id in `column`, in id order."""
    wanted = sorted({i for i in parent_ids if i})
    grouped: dict[str, list[Row]] = {}
    for part in chunks(wanted):
        query = select(table).where(table.c[column].in_(part))
        for name, value in fixed.items():
            query = query.where(table.c[name] == value)
        rows = await execute(session, query.order_by(table.c.id))
        for row in rows:
            grouped.setdefault(row._mapping[column], []).append(dict(row._mapping))
    return grouped


async def translations(
    session: AsyncSession, entity: str, ids: Iterable[str]
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


def texts(row: Row, field: str, tr: Translations | None) -> dict[str, str]:
    """A field in every language it has: the record's own text is English."""
    out: dict[str, str] = {}
    if row.get(field):
        out["en"] = str(row[field])
    for locale, fields in (tr or {}).items():
        if fields.get(field):
            out[locale] = fields[field]
    return out


FALLBACK = {
    "zh-Hant-HK": ["zh-Hant-HK", "zh-Hant"],
    "zh-HK": ["zh-Hant-HK", "zh-Hant"],
    "zh": ["zh-Hant"],
}


def chain(locale: str | None) -> list[str]:
    """The locales to try for `locale`, ending in English: zh-Hant-HK → zh-Hant → en."""
    if not locale:
        return ["en"]
    tried = FALLBACK.get(locale)
    if tried is None:
        parts = locale.split("-")
        tried = ["-".join(parts[: i + 1]) for i in reversed(range(len(parts)))]
    return [*tried, "en"] if "en" not in tried else tried


def pick(values: dict[str, str], locale: str | None) -> str | None:
    """The text for `locale` by the fallback chain, or any text there is."""
    for candidate in chain(locale):
        if candidate in values:
            return values[candidate]
    return next(iter(values.values()), None)
