"""HSDS 3.0 JSON documents flattened into rows, checked field by field.

Nothing is written here: `ingest_documents` (and `tabular.ingest_tabular` for CSV) turn documents
into a `Batch` of rows, or raise `ValidationFailed` listing every problem with the place it was
found (a JSON path such as `service_at_locations[0].location.latitude`, or a CSV file and line).
Documents are first checked against the standard's JSON Schemas (`validation`: types, required
fields, enums, formats; code `hsds-invalid`); the walk below then checks only Harbour's own
rules. `repository.write` writes a batch.

Harbour's additions ride along in the same documents as extra properties, which HSDS allows:
`translations` on any record; on a service `categories`, `eligibility`, `intake`,
`referral_pathway`, `time_zone`, `closes_on_public_holidays`; on a location `district`,
`confidential`, `wheelchair_accessible`. Categories, eligibility and access features become HSDS
`attribute` rows against Harbour's taxonomies, so a plain HSDS consumer still sees them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.hsds import validation
from harbour_directory.hsds.fields import ARRAYS, EXTRA, FIELDS, OBJECTS, REQUIRED
from harbour_directory.hsds.validation import join as _join
from harbour_directory.taxonomy import terms
from harbour_kit.errors import ValidationFailed

KINDS = ("organization", "service", "service_at_location", "location", "taxonomy", "taxonomy_term")
TRANSLATABLE: dict[str, frozenset[str]] = {
    "organization": frozenset({"name", "alternate_name", "description"}),
    "service": frozenset(
        {
            "name",
            "alternate_name",
            "description",
            "application_process",
            "fees_description",
            "eligibility_description",
            "interpretation_services",
            "wait_time",
            "alert",
        }
    ),
    "location": frozenset({"name", "alternate_name", "description", "transportation"}),
    "address": frozenset(
        {"attention", "address_1", "address_2", "city", "region", "state_province"}
    ),
    "service_at_location": frozenset({"description"}),
    "schedule": frozenset({"description", "notes", "attending_type"}),
    "cost_option": frozenset({"option", "amount_description"}),
    "required_document": frozenset({"document"}),
    "taxonomy_term": frozenset({"name", "description"}),
    "taxonomy": frozenset({"name", "description"}),
    "program": frozenset({"name", "alternate_name", "description"}),
    "phone": frozenset({"description"}),
    "accessibility": frozenset({"description", "details"}),
    "service_area": frozenset({"name", "description"}),
}
LOCALES = frozenset({"en", "zh-Hant", "zh-Hant-HK", "zh-Hans", "ur", "bn", "hi", "ne", "fr", "ar"})
REFERRAL_METHODS = frozenset({"harbour", "phone", "email", "walk-in"})
TRISTATE = frozenset({"yes", "no"})
# Harbour's additions a record may carry, read by the walker rather than kept as sent.
ADDITIONS: dict[str, frozenset[str]] = {
    "service": frozenset(
        {
            "categories",
            "eligibility",
            "intake",
            "referral_pathway",
            "time_zone",
            "closes_on_public_holidays",
            "version",
        }
    ),
    "location": frozenset({"district", "confidential", "wheelchair_accessible"}),
}


def modelled(table: str) -> frozenset[str]:
    """The keys of a `table` record Harbour reads into columns, nested records or additions."""
    return frozenset(
        {name for name, _ in FIELDS[table]}
        | set(ARRAYS.get(table, {}))
        | set(OBJECTS.get(table, {}))
        | ADDITIONS.get(table, frozenset())
        | {"translations"}
    )


def merge_rows(stored: Mapping[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
    """`sent` over `stored`: absent fields keep their value; extension fields merge by name."""
    merged = {**stored, **sent}
    if EXTRA in sent or EXTRA in stored:
        extra = {**(stored.get(EXTRA) or {}), **(sent.get(EXTRA) or {})}
        # An explicit null clears a field, as it does for modelled ones.
        merged[EXTRA] = {k: v for k, v in extra.items() if v is not None} or None
    return merged


@dataclass
class Batch:
    """Rows to write, keyed by table then id, and what they replace."""

    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    translations: dict[tuple[str, str], dict[str, dict[str, str]]] = field(default_factory=dict)
    service_profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    location_profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (child table, parent link, parent id): the parent's full set of children is in the batch.
    replaced: set[tuple[str, str, str]] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    # Harbour's own listings get Harbour's defaults (time zone, holidays, district); imports not.
    own: bool = False
    # (table, id) → names of the fields kept as sent, without being modelled.
    kept: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        """Adds a row; a record met again (under another parent) merges into the first."""
        rows = self.rows.setdefault(table, {})
        rows[row["id"]] = merge_rows(rows[row["id"]], row) if row["id"] in rows else row
        if row.get(EXTRA):
            self.kept.setdefault((table, row["id"]), set()).update(row[EXTRA])

    def report(self) -> list[dict[str, Any]]:
        """What was kept as sent: object, id and field names."""
        return [
            {"object": table, "id": record_id, "fields": sorted(names)}
            for (table, record_id), names in sorted(self.kept.items())
        ]

    def fail(self, where: str, message: str) -> None:
        self.problems.append({"field": where, "message": message})

    def raise_problems(self) -> None:
        if self.problems:
            shown = self.problems[:50]
            more = len(self.problems) - len(shown)
            raise ValidationFailed(
                f"The data has {len(self.problems)} problem(s); nothing was imported."
                + (f" The first {len(shown)} are listed." if more else ""),
                errors=shown,
            )

    @property
    def service_ids(self) -> set[str]:
        return set(self.rows.get("service", {}))


def scalar(batch: Batch, kind: str, value: Any, where: str) -> Any:
    """The column value for one HSDS field whose type the schema has checked.

    The schema leaves dates as free text; Harbour reads them, so they must be ISO dates.
    """
    if value is None:
        return None
    if kind == "number":
        return float(value)
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            batch.fail(where, "must be a date (YYYY-MM-DD)")
            return None
    return value


def link_of(parent_table: str, child_table: str) -> tuple[str, dict[str, str]]:
    """The column of `child_table` that holds the parent's id, and fixed columns beside it."""
    if child_table == "attribute":
        return "link_id", {"link_entity": parent_table}
    if child_table == "metadata":
        return "resource_id", {"resource_type": parent_table}
    return f"{parent_table}_id", {}


class Walker:
    """Walks one HSDS JSON document depth first, adding rows to a batch."""

    def __init__(self, batch: Batch, *, strict: bool = False) -> None:
        self.batch = batch
        self.strict = strict  # Harbour's own edits: coordinates must be on the globe

    def record(
        self, table: str, doc: Mapping[str, Any], where: str, parent: tuple[str, str] | None = None
    ) -> str:
        """Adds one record checked against the schema, and what is nested in it; returns its id."""
        batch = self.batch
        for name in REQUIRED[table]:
            # Hong Kong addresses have no postcode; other required text may not be blank.
            no_postcode = table == "address" and name == "postal_code"
            if doc.get(name) == "" and not no_postcode:
                batch.fail(_join(where, name), "must not be empty")
        record_id = str(doc["id"])
        # Only the fields sent: an abbreviated record never erases what is stored.
        row: dict[str, Any] = {"id": record_id}
        for name, kind in FIELDS[table]:
            if name in doc and name != "id":
                row[name] = scalar(batch, kind, doc[name], _join(where, name))
        if parent is not None:
            row[parent[0]] = parent[1]
        for key, (target, column) in OBJECTS.get(table, {}).items():
            if isinstance(doc.get(key), Mapping):
                row[column] = self.record(target, doc[key], _join(where, key))
        known = modelled(table)
        extra = {key: value for key, value in doc.items() if key not in known}
        if extra:
            row[EXTRA] = extra
        batch.add(table, row)
        for key, child in ARRAYS.get(table, {}).items():
            if key in doc:
                self.children(table, record_id, key, child, doc[key], _join(where, key))
        self.translations(table, record_id, doc.get("translations"), _join(where, "translations"))
        if table == "service":
            self.service_extras(record_id, doc, where)
        elif table == "location":
            self.location_extras(record_id, doc, where)
        return record_id

    def children(
        self, table: str, parent_id: str, key: str, child: str, items: list[Any], where: str
    ) -> None:
        """Adds a record's nested list of `child` records: the complete set under that parent."""
        column, fixed = link_of(table, child)
        self.batch.replaced.add((child, column, parent_id))
        for index, item in enumerate(items):
            child_id = self.record(child, item, _join(where, index), (column, parent_id))
            stored = self.batch.rows[child][child_id]
            for name, value in fixed.items():
                stored.setdefault(name, value)  # what the publisher sent is kept as sent

    def translations(self, table: str, record_id: str, value: Any, where: str) -> None:
        if value is None:
            return
        allowed = TRANSLATABLE.get(table, frozenset())
        if not isinstance(value, Mapping):
            self.batch.fail(where, "must map a locale to translated fields")
            return
        for locale, fields in value.items():
            if locale not in LOCALES:
                self.batch.fail(
                    _join(where, locale), f"unknown locale; use one of {sorted(LOCALES)}"
                )
                continue
            if not isinstance(fields, Mapping):
                self.batch.fail(_join(where, locale), "must map field names to text")
                continue
            for name, text in fields.items():
                if name not in allowed:
                    self.batch.fail(
                        _join(_join(where, locale), name), "is not a translatable field"
                    )
                elif not isinstance(text, str):
                    self.batch.fail(_join(_join(where, locale), name), "must be a string")
            good = {k: v for k, v in fields.items() if k in allowed and isinstance(v, str)}
            self.batch.translations.setdefault((table, record_id), {})[locale] = good

    def _attribute(self, link_entity: str, link_id: str, code: str, value: str | None) -> None:
        term = terms.BY_CODE[code]
        row: dict[str, Any] = {name: None for name, _ in FIELDS["attribute"]}
        row.update(
            id=str(uuid.uuid5(terms.NAMESPACE, f"attribute:{link_id}:{code}")),
            link_id=link_id,
            link_entity=link_entity,
            link_type=term.taxonomy,
            taxonomy_term_id=term.id,
            value=value,
        )
        self.batch.add("attribute", row)
        self.batch.replaced.add(("attribute", "link_id", link_id))

    def service_extras(self, service_id: str, doc: Mapping[str, Any], where: str) -> None:
        batch = self.batch
        categories = doc.get("categories")
        if categories is not None:
            if not isinstance(categories, list):
                batch.fail(_join(where, "categories"), "must be a list of category codes")
            for index, code in enumerate(categories if isinstance(categories, list) else []):
                if code not in terms.CATEGORY_CODES:
                    batch.fail(
                        _join(_join(where, "categories"), index), f"unknown category {code!r}"
                    )
                else:
                    self._attribute("service", service_id, code, None)
        eligibility = doc.get("eligibility")
        if eligibility is not None:
            self.eligibility(service_id, eligibility, _join(where, "eligibility"))
        profile: dict[str, Any] = {}
        intake = doc.get("intake")
        if intake is not None:
            profile.update(self.intake(intake, _join(where, "intake")))
        pathway = doc.get("referral_pathway")
        if pathway is not None:
            profile.update(self.pathway(pathway, _join(where, "referral_pathway")))
        zone = doc.get("time_zone")
        if zone is not None:
            try:
                ZoneInfo(str(zone))
                profile["time_zone"] = str(zone)
            except (ZoneInfoNotFoundError, ValueError):
                batch.fail(_join(where, "time_zone"), f"unknown time zone {zone!r}")
        holidays = doc.get("closes_on_public_holidays")
        if holidays is not None:
            if isinstance(holidays, bool):
                profile["closes_on_public_holidays"] = holidays
            else:
                batch.fail(_join(where, "closes_on_public_holidays"), "must be true or false")
        batch.service_profiles.setdefault(service_id, {}).update(profile)

    def eligibility(self, service_id: str, value: Any, where: str) -> None:
        groups = {"immigration": terms.IMMIGRATION_STATUSES, "gender": terms.GENDERS}
        if not isinstance(value, Mapping):
            self.batch.fail(where, "must be an object such as {'immigration': {...}}")
            return
        for group, answers in value.items():
            if group not in groups:
                self.batch.fail(_join(where, group), f"unknown; use one of {sorted(groups)}")
                continue
            if not isinstance(answers, Mapping):
                self.batch.fail(_join(where, group), "must map each value to 'yes' or 'no'")
                continue
            for key, answer in answers.items():
                if key not in groups[group]:
                    self.batch.fail(
                        _join(_join(where, group), key), f"unknown; use {sorted(groups[group])}"
                    )
                elif answer not in TRISTATE:
                    self.batch.fail(
                        _join(_join(where, group), key),
                        "must be 'yes' or 'no' (leave it out when unknown)",
                    )
                else:
                    self._attribute("service", service_id, f"eligibility.{group}.{key}", answer)

    def intake(self, value: Any, where: str = "intake") -> dict[str, Any]:
        if not isinstance(value, Mapping):
            self.batch.fail(where, "must be an object")
            return {}
        out: dict[str, Any] = {}
        accepting = value.get("accepting_referrals")
        if accepting is not None and not isinstance(accepting, bool):
            self.batch.fail(_join(where, "accepting_referrals"), "must be true or false")
        elif "accepting_referrals" in value:
            out["accepting_referrals"] = accepting
        for name in ("waitlist_weeks", "waitlist_length"):
            if name not in value:
                continue
            number = value.get(name)
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, int) or number < 0
            ):
                self.batch.fail(_join(where, name), "must be a whole number, 0 or more")
            else:
                out[name] = number
        out["capacity_updated_at"] = datetime.now(UTC)
        return out

    def pathway(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            self.batch.fail(where, "must be an object")
            return {}
        method = value.get("method")
        if method is not None and method not in REFERRAL_METHODS:
            self.batch.fail(_join(where, "method"), f"must be one of {sorted(REFERRAL_METHODS)}")
        days = value.get("response_days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
            self.batch.fail(_join(where, "response_days"), "must be a whole number of days")
        instructions = value.get("instructions")
        if instructions is not None and not isinstance(instructions, str):
            self.batch.fail(_join(where, "instructions"), "must be a string")
        return {
            "referral_method": method,
            "referral_instructions": instructions,
            "response_days": days,
        }

    def location_extras(self, location_id: str, doc: Mapping[str, Any], where: str) -> None:
        batch = self.batch
        profile: dict[str, Any] = {}
        confidential = doc.get("confidential")
        if confidential is not None and not isinstance(confidential, bool):
            batch.fail(_join(where, "confidential"), "must be true or false")
        elif "confidential" in doc:
            profile["confidential"] = bool(confidential)
        district = doc.get("district")
        if district is not None:
            if district not in DISTRICTS:
                batch.fail(_join(where, "district"), f"unknown district {district!r}")
            else:
                profile["district"] = district
        if self.strict:
            for name, bound in (("latitude", 90), ("longitude", 180)):
                value = doc.get(name)
                if isinstance(value, int | float) and not -bound <= value <= bound:
                    batch.fail(_join(where, name), f"must be between -{bound} and {bound}")
        wheelchair = doc.get("wheelchair_accessible")
        if wheelchair is not None:
            if not isinstance(wheelchair, bool):
                batch.fail(_join(where, "wheelchair_accessible"), "must be true or false")
            else:
                self._attribute(
                    "location", location_id, "access.wheelchair", "yes" if wheelchair else "no"
                )
        batch.location_profiles.setdefault(location_id, {}).update(profile)


def ingest_documents(
    kind: str,
    documents: Iterable[Any],
    *,
    batch: Batch | None = None,
    strict: bool = False,
    own: bool | None = None,
) -> Batch:
    """Flattens HSDS JSON records of one kind (a record, a list, or an HSDS page of them).

    `strict` is for Harbour's own editing API: coordinates off the globe are refused there,
    while an import only warns that such a location cannot be placed on the map. `own`
    (by default `strict`) marks Harbour's own listings, which get Harbour's defaults.
    """
    batch = batch or Batch()
    batch.own = strict if own is None else own
    if kind not in KINDS:
        batch.fail("kind", f"must be one of {list(KINDS)}")
        batch.raise_problems()
    documents = list(documents)
    validation.refuse(
        [p for i, doc in enumerate(documents) for p in validation.problems(kind, doc, f"[{i}]")]
    )
    walker = Walker(batch, strict=strict)
    for index, doc in enumerate(documents):
        walker.record(kind, doc, f"[{index}]")
    batch.raise_problems()
    return batch


def unwrap(payload: Any) -> list[Any]:
    """The records in a payload: one record, a list of records, or an HSDS page."""
    if isinstance(payload, Mapping) and isinstance(payload.get("contents"), list):
        return list(payload["contents"])
    if isinstance(payload, list):
        return payload
    return [payload]
