"""HSDS 3.0 JSON from the tables, nested as the compiled schemas nest: a query per table and level.

A `Shape` says how deep to go: which nested arrays to fill and which single records to embed.
Output carries only HSDS fields that have a value (plus required strings, as ""), Harbour's
extensions (`translations`, service `categories`/`eligibility`/`intake`/`referral_pathway`,
location `district`/`confidential`/`wheelchair_accessible`), and — for the public — confidential
locations reduced to their district.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.hsds import repository
from harbour_directory.hsds.fields import ARRAYS, EXTRA, FIELDS, OBJECTS, REQUIRED
from harbour_directory.hsds.ingest import TRANSLATABLE, link_of
from harbour_directory.hsds.locales import Translations, pick, texts
from harbour_directory.hsds.repository import Row
from harbour_directory.models import location_profile, service_profile
from harbour_directory.taxonomy import terms


@dataclass(frozen=True)
class Shape:
    """How much of a record to render: its arrays (all or none) and embedded records."""

    arrays: bool = False
    objects: dict[str, Shape] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()  # array keys left out

    def child(self, key: str) -> Shape:
        """Nested arrays render fully, embedding locations and terms but not their parents."""
        if key in self.objects:
            return self.objects[key]
        keep = {k: v for k, v in self.objects.items() if k in ("location", "taxonomy_term")}
        return Shape(arrays=True, objects=keep)


FLAT = Shape()
TERM = Shape(objects={"taxonomy_detail": FLAT})
LOCATION = Shape(arrays=True, objects={"taxonomy_term": TERM})
SERVICE_FULL = Shape(
    arrays=True,
    objects={
        "organization": FLAT,
        "program": FLAT,
        "location": LOCATION,
        "taxonomy_term": TERM,
    },
)
SERVICE_LIST = Shape(objects={"organization": FLAT, "program": FLAT})
SERVICE_IN_ORGANIZATION = Shape(arrays=True, objects={"location": LOCATION, "taxonomy_term": TERM})
ORGANIZATION_FULL = Shape(
    arrays=True,
    objects={"services": SERVICE_IN_ORGANIZATION, "location": LOCATION, "taxonomy_term": TERM},
)
# HSDS's default organisation: nested, but its services only their one-to-one fields.
ORGANIZATION_NESTED = Shape(
    arrays=True, objects={"services": FLAT, "location": LOCATION, "taxonomy_term": TERM}
)
TAXONOMY_TERM = Shape(objects={"taxonomy_detail": FLAT})
SAL_FULL = Shape(
    arrays=True, objects={"location": LOCATION, "service": FLAT, "taxonomy_term": TERM}
)
SAL_LIST = Shape(objects={"location": FLAT, "service": FLAT})


@dataclass
class Viewer:
    """Who is looking, and in which language."""

    public: bool = True
    locale: str | None = None


@dataclass
class _Context:
    seen: dict[str, dict[str, Row]] = field(default_factory=dict)

    def note(self, table: str, rows: list[Row]) -> None:
        self.seen.setdefault(table, {}).update({r["id"]: r for r in rows})


async def _expand(
    session: AsyncSession, table: str, rows: list[Row], shape: Shape, ctx: _Context
) -> None:
    if not rows:
        return
    ctx.note(table, rows)
    ids = [r["id"] for r in rows]
    if shape.arrays:
        for key, child in ARRAYS.get(table, {}).items():
            if key in shape.skip or (key == "services" and "services" not in shape.objects):
                continue
            column, _fixed = link_of(table, child)  # link_entity is kept as sent: link by id
            grouped = await repository.by_link(
                session=session, table=child, column=column, parent_ids=ids
            )
            children = [c for group in grouped.values() for c in group]
            await _expand(session, child, children, shape.child(key), ctx)
            for row in rows:
                row["__" + key] = grouped.get(row["id"], [])
    for key, (target, column) in OBJECTS.get(table, {}).items():
        if key not in shape.objects:
            continue
        wanted = [r[column] for r in rows if r.get(column)]
        found = await repository.by_ids(session=session, table=target, ids=wanted)
        await _expand(session, target, list(found.values()), shape.objects[key], ctx)
        for row in rows:
            row["__" + key] = found.get(row.get(column) or "")


async def render(
    session: AsyncSession, table: str, rows: list[Row], shape: Shape, viewer: Viewer
) -> list[dict[str, Any]]:
    """HSDS documents for these rows of `table`, in the same order."""
    ctx = _Context()
    rows = [dict(r) for r in rows]
    await _expand(session, table, rows, shape, ctx)
    extras = await _Extras.fetch(session, ctx)
    return [extras.document(table, row, viewer) for row in rows]


@dataclass
class _Extras:
    translations: dict[str, dict[str, Translations]]
    service_profiles: dict[str, Row]
    location_profiles: dict[str, Row]
    attributes: dict[str, list[Row]]

    @classmethod
    async def fetch(cls, session: AsyncSession, ctx: _Context) -> _Extras:
        translations = {
            table: await repository.translations(session=session, entity=table, ids=rows)
            for table, rows in ctx.seen.items()
            if table in TRANSLATABLE
        }
        services = list(ctx.seen.get("service", {}))
        locations = list(ctx.seen.get("location", {}))
        attributes = await repository.by_link(
            session=session,
            table="attribute",
            column="link_id",
            parent_ids=[*services, *locations],
        )
        return cls(
            translations,
            await repository.by_ids(
                session=session, table=service_profile, ids=services, key="service_id"
            ),
            await repository.by_ids(
                session=session, table=location_profile, ids=locations, key="location_id"
            ),
            attributes,
        )

    def document(self, table: str, row: Row, viewer: Viewer) -> dict[str, Any]:
        tr = self.translations.get(table, {}).get(row["id"])
        doc: dict[str, Any] = {}
        required = REQUIRED[table]
        for name, kind in FIELDS[table]:
            value = row.get(name)
            if value is None:
                if name in required and kind == "string":
                    doc[name] = ""
                continue
            if kind == "number" and float(value).is_integer():
                value = int(value)
            doc[name] = value
        if viewer.locale and tr:
            for name in TRANSLATABLE.get(table, ()):
                localised = pick(texts(row, name, tr), viewer.locale)
                if localised is not None:
                    doc[name] = localised
        for key in ARRAYS.get(table, {}):
            if "__" + key in row:
                doc[key] = [
                    self.document(ARRAYS[table][key], child, viewer) for child in row["__" + key]
                ]
        for key, (target, _column) in OBJECTS.get(table, {}).items():
            embedded = row.get("__" + key)
            if embedded is not None:
                doc[key] = self.document(target, embedded, viewer)
        for name, value in (row.get(EXTRA) or {}).items():
            doc.setdefault(name, value)  # kept as the publisher sent it
        if tr:
            doc["translations"] = tr
        if table == "service":
            self._service(doc, row)
        elif table == "location":
            self._location(doc, row, viewer)
        elif table == "service_at_location" and viewer.public:
            location = row.get("__location")
            if location and self.location_profiles.get(location["id"], {}).get("confidential"):
                for key in ("description", "contacts", "phones"):
                    doc.pop(key, None)
        return doc

    def _service(self, doc: dict[str, Any], row: Row) -> None:
        """Harbour's additions a service has; nothing where it has none (an imported record)."""
        attributes = self.attributes.get(row["id"], [])
        categories, eligibility = terms.categories(attributes), terms.eligibility(attributes)
        if categories:
            doc["categories"] = categories
        if eligibility:
            doc["eligibility"] = eligibility
        profile = self.service_profiles.get(row["id"])
        if profile:
            updated = profile.get("capacity_updated_at")
            intake = ("accepting_referrals", "waitlist_weeks", "waitlist_length")
            if updated or any(profile[k] is not None for k in intake):
                doc["intake"] = {k: profile[k] for k in intake} | {
                    "updated_at": updated.isoformat() if updated else None
                }
            pathway = ("referral_method", "referral_instructions", "response_days")
            if any(profile[k] is not None for k in pathway):
                doc["referral_pathway"] = {
                    "method": profile["referral_method"],
                    "instructions": profile["referral_instructions"],
                    "response_days": profile["response_days"],
                }
            for name in ("time_zone", "closes_on_public_holidays"):
                if profile[name] is not None:
                    doc[name] = profile[name]
            doc["version"] = profile["version"]

    def _location(self, doc: dict[str, Any], row: Row, viewer: Viewer) -> None:
        profile = self.location_profiles.get(row["id"], {})
        district = profile.get("district")
        if district is not None:
            doc["district"] = district
        doc["confidential"] = bool(profile.get("confidential"))
        wheelchair = terms.wheelchair_accessible(self.attributes.get(row["id"], []))
        if wheelchair is not None:
            doc["wheelchair_accessible"] = wheelchair
        if not doc["confidential"]:
            del doc["confidential"]  # said only when true: never invented on imported records
        elif viewer.public:
            place = DISTRICTS.get(district or "")
            label = place.name(viewer.locale) if place else ""
            keep = {"id", "location_type", "district", "confidential", "languages", "accessibility"}
            for key in list(doc):
                if key not in keep:
                    del doc[key]
            doc["name"] = f"{label} (address confidential)".strip()
            if place:
                doc["latitude"], doc["longitude"] = place.lat, place.lng
