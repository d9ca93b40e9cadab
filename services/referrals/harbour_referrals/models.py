"""Referrals tables: claimants, consents, referrals with their history and notes, the audit log.

Columns ending in `_enc` hold AES-GCM tokens (`harbour_kit.crypto.FieldCipher`), never plain
text: claimant details, what a referral shares, notes and outcomes. Everything else is safe to
report on.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from harbour_kit.events.tables import event_tables


class ReferralsModel(SQLModel, registry=registry()):
    """Base of the referrals service's tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class ReferralTarget(ReferralsModel, table=True):
    """A directory service as referrals knows it, kept from `directory.*` events."""

    __tablename__ = "referral_target"

    service_id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    name: str = Field(max_length=200)
    status: str = Field(max_length=30)
    accepting_referrals: bool
    removed: bool = Field(default=False)
    version: int
    updated_at: datetime = Field(default_factory=_now)


class Claimant(ReferralsModel, table=True):
    """A person a social worker refers, held by the worker's organisation."""

    __tablename__ = "claimant"

    id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    details_enc: str | None = Field(default=None)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=_now)
    purged_at: datetime | None = Field(default=None)


class Consent(ReferralsModel, table=True):
    """A claimant's consent to share some data with some organisations for one purpose."""

    __tablename__ = "consent"

    id: str = Field(primary_key=True, max_length=36)
    claimant_id: str = Field(index=True, max_length=36)
    organization_id: str = Field(index=True, max_length=36)
    any_partner: bool = Field(default=False)
    receiving_organization_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    purpose: str = Field(max_length=60)
    data_categories: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    method: str = Field(max_length=20)
    recorded_by: str = Field(max_length=200)
    given_at: datetime = Field(default_factory=_now)
    expires_at: datetime | None = Field(default=None)
    withdrawn_at: datetime | None = Field(default=None)
    withdrawn_by: str | None = Field(default=None, max_length=200)


class Referral(ReferralsModel, table=True):
    """A hand-off of one claimant to one service, and where it stands."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_recipient_box", "recipient_organization_id", "status", "created_at"),
        Index("ix_referral_referrer_box", "referrer_organization_id", "status", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    reference: str = Field(max_length=12, unique=True)
    version: int = Field(default=1)
    status: str = Field(max_length=20)
    business_status: str | None = Field(default=None, max_length=40)
    claimant_id: str = Field(index=True, max_length=36)
    consent_id: str | None = Field(default=None, index=True, max_length=36)
    purpose: str = Field(max_length=60)
    urgency: str = Field(max_length=10)
    referrer_organization_id: str = Field(max_length=36)
    referrer_sub: str = Field(max_length=200)
    service_id: str = Field(index=True, max_length=36)
    recipient_organization_id: str = Field(max_length=36)
    recipient_worker: str | None = Field(default=None, max_length=200)
    assignee: str | None = Field(default=None, max_length=200)
    candidates: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    replaces_id: str | None = Field(default=None, index=True, max_length=36)
    link_kind: str | None = Field(default=None, max_length=20)  # re-route | forward | retry
    share_enc: str | None = Field(default=None)
    outcome_enc: str | None = Field(default=None)
    ack_due_at: datetime | None = Field(default=None, index=True)
    accept_due_at: datetime | None = Field(default=None, index=True)
    reminded_due_at: datetime | None = Field(default=None)  # the deadline last reminded of
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    sent_at: datetime | None = Field(default=None)
    acknowledged_at: datetime | None = Field(default=None)
    accepted_at: datetime | None = Field(default=None)
    closed_at: datetime | None = Field(default=None, index=True)
    purged_at: datetime | None = Field(default=None)


class ReferralHistory(ReferralsModel, table=True):
    """One transition of a referral (no personal data)."""

    __tablename__ = "referral_history"
    __table_args__ = (UniqueConstraint("referral_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    referral_id: str = Field(index=True, max_length=36)
    version: int
    action: str = Field(max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    business_status: str | None = Field(default=None, max_length=40)
    actor_sub: str = Field(max_length=200)
    actor_organization_id: str | None = Field(default=None, max_length=36)
    at: datetime = Field(default_factory=_now)


class Note(ReferralsModel, table=True):
    """A message on a referral, visible to both sides while it is open to them."""

    __tablename__ = "referral_note"

    id: str = Field(primary_key=True, max_length=36)
    referral_id: str = Field(index=True, max_length=36)
    author_sub: str = Field(max_length=200)
    author_organization_id: str | None = Field(default=None, max_length=36)
    body_enc: str | None = Field(default=None)
    created_at: datetime = Field(default_factory=_now)


class AuditEntry(ReferralsModel, table=True):
    """One link of the hash-chained audit log; rows are only ever appended."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True)
    at: str = Field(max_length=40)
    actor: str = Field(max_length=200)
    organization_id: str | None = Field(default=None, max_length=36)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=30)
    entity_id: str = Field(index=True, max_length=36)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class IdempotencyKey(ReferralsModel, table=True):
    """A create request already answered: the same key gets the same referral."""

    __tablename__ = "idempotency_key"

    organization_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    referral_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=_now)


metadata = ReferralsModel.metadata
tables = event_tables(metadata)
