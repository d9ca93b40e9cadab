"""The outbox, inbox and dead-letter tables each service keeps in its own database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# BIGINT autoincrements on PostgreSQL; on SQLite only INTEGER PRIMARY KEY does.
Position = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class EventTables:
    """The three event tables bound to one service's metadata."""

    outbox: Table
    inbox: Table
    dead_letter: Table


def event_tables(metadata: MetaData) -> EventTables:
    """Declares the event tables in `metadata` (once per service)."""
    if "event_outbox" in metadata.tables:
        return EventTables(
            metadata.tables["event_outbox"],
            metadata.tables["event_inbox"],
            metadata.tables["event_dead_letter"],
        )
    outbox = Table(
        "event_outbox",
        metadata,
        Column("position", Position, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("nats_subject", String(250), nullable=False),
        Column("source", String(200), nullable=False),
        Column("subject", String(200)),
        Column("occurred_at", DateTime(timezone=True), nullable=False),
        Column("data", JSON, nullable=False),
        Column("traceparent", String(55), nullable=False),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", String(500)),
        Index(
            "ix_event_outbox_pending",
            "position",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )
    inbox = Table(
        "event_inbox",
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", String(64), nullable=False),
        Column("event_type", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_event_inbox"),
    )
    dead_letter = Table(
        "event_dead_letter",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("consumer", String(100), nullable=False),
        Column("stream", String(100), nullable=False),
        Column("stream_seq", BigInteger, nullable=False),
        Column("reason", String(40), nullable=False),
        Column("deliveries", Integer, nullable=False, default=0),
        Column("event_id", String(64)),
        Column("event_type", String(200)),
        Column("nats_subject", String(250)),
        Column("headers", JSON, nullable=False),
        Column("body", Text, nullable=False),
        Column("last_error", String(500)),
        Column("dead_at", DateTime(timezone=True), nullable=False),
        Column("redriven_at", DateTime(timezone=True)),
        Column("redrive_error", String(500)),
        UniqueConstraint("consumer", "stream", "stream_seq", name="uq_event_dead_letter_message"),
    )
    return EventTables(outbox, inbox, dead_letter)
