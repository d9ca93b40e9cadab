"""The directory's tables: HSDS 3.0 as its tabular form defines it, plus Harbour's additions.

HSDS tables are declared from `hsds.fields` so that every field of the standard has a column of
the same name. References between HSDS records are indexed but not enforced: HSDS data arrives
in pieces (a service before its taxonomy, an export of one organisation), and Harbour's own write
rules check the references that matter.

Harbour's additions live in tables of their own (`service_profile`, `location_profile`,
`translation`, `closure`) and in `service_point`, the search projection: one row per
service-at-location that geosearch ranks and filters. On PostgreSQL the migration adds a
`geography` column with GiST and trigram indexes to it; on SQLite, an R*Tree and an FTS5 trigram
table beside it. Those objects are derived and listed in `UNMANAGED`.
"""

from __future__ import annotations

import geoalchemy2  # noqa: F401  (teaches reflection the `geography` type of service_point.geog)
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from harbour_directory.hsds.fields import EXTRA, FIELDS
from harbour_kit.events.tables import event_tables

metadata = MetaData()
tables = event_tables(metadata)

# Columns that point at another HSDS record; indexed because exports and lookups follow them.
REFERENCES = frozenset(
    {
        "organization_id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "program_id",
        "contact_id",
        "phone_id",
        "taxonomy_id",
        "taxonomy_term_id",
        "parent_id",
        "link_id",
        "resource_id",
        "parent_organization_id",
    }
)


def _hsds_table(name: str) -> Table:
    columns: list[Column[object]] = []
    for field, kind in FIELDS[name]:
        if field == "id":
            columns.append(Column("id", String(64), primary_key=True))
        elif field in REFERENCES:
            columns.append(Column(field, String(64), nullable=True, index=True))
        elif kind == "number":
            columns.append(Column(field, Float, nullable=True))
        else:
            columns.append(Column(field, Text, nullable=True))
    # Fields Harbour does not model, kept as the publisher sent them (HSDS allows any).
    columns.append(Column(EXTRA, JSON(none_as_null=True), nullable=True))
    return Table(name, metadata, *columns)


HSDS: dict[str, Table] = {name: _hsds_table(name) for name in FIELDS}

translation = Table(
    "translation",
    metadata,
    Column("entity", String(40), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("locale", String(20), nullable=False),
    Column("field", String(60), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("entity", "entity_id", "locale", "field"),
)

service_profile = Table(
    "service_profile",
    metadata,
    Column("service_id", String(64), primary_key=True),
    Column("accepting_referrals", Boolean, nullable=True),
    Column("waitlist_weeks", Integer, nullable=True),
    Column("waitlist_length", Integer, nullable=True),
    Column("capacity_updated_at", DateTime(timezone=True), nullable=True),
    Column("referral_method", String(20), nullable=True),
    Column("referral_instructions", Text, nullable=True),
    Column("response_days", Integer, nullable=True),
    Column("time_zone", String(60), nullable=True),  # null: not sent (imported listings)
    Column("closes_on_public_holidays", Boolean, nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

location_profile = Table(
    "location_profile",
    metadata,
    Column("location_id", String(64), primary_key=True),
    Column("district", String(40), nullable=True),
    Column("confidential", Boolean, nullable=False),
)

closure = Table(
    "closure",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(20), nullable=False),  # network | organization | service
    Column("scope_id", String(64), nullable=True),
    Column("reason", String(60), nullable=False),
    Column("message", Text, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=True),
    Column("created_by", String(200), nullable=False),
    Index("ix_closure_scope", "scope", "scope_id"),
)

# The stale period each listing's organisation was last reminded of, so a sweep reminds once.
verification_reminder = Table(
    "verification_reminder",
    metadata,
    Column("service_id", String(64), primary_key=True),
    Column("assured_date", Text, nullable=True),  # as it was when reminded; null: never confirmed
    Column("reminded_at", DateTime(timezone=True), nullable=False),
)

# Public reports that a listing is wrong, queued for its organisation's admins and moderators.
listing_report = Table(
    "listing_report",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("service_id", String(64), nullable=False, index=True),
    Column("organization_id", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False),  # open | resolved | dismissed
    Column("client_key", String(64), nullable=False, index=True),  # keyed hash, never the address
    Column("fingerprint", String(64), nullable=False),  # duplicate suppression
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("note", Text, nullable=True),
    Index("ix_listing_report_status_created", "status", "created_at"),
)

# Every org-admin edit of a listing: who, when, and the changed fields before and after.
listing_change = Table(
    "listing_change",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("service_id", String(64), nullable=False, index=True),
    Column("organization_id", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("actor_organization_id", String(64), nullable=True),
    Column("role", String(20), nullable=False),
    Column("action", String(20), nullable=False),  # edit | revert
    Column("reverts", String(36), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
)

service_point = Table(
    "service_point",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),  # the service_at_location id
    Column("service_id", String(64), nullable=False, index=True),
    Column("organization_id", String(64), nullable=True, index=True),
    Column("location_id", String(64), nullable=False, index=True),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("tags", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("card", JSON, nullable=False),
)

UNMANAGED = {
    "tables": frozenset({"service_point_rtree", "service_point_fts"}),
    "table_prefixes": ("service_point_rtree_", "service_point_fts_"),
    "columns": frozenset({("service_point", "geog")}),
    "indexes": frozenset({"ix_service_point_geog", "ix_service_point_search_text"}),
}
metadata.info["unmanaged"] = UNMANAGED
