"""Referrals tables."""

from datetime import UTC, datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from harbour_kit.events.tables import event_tables


class ReferralsModel(SQLModel, registry=registry()):
    """Base of the referrals service's tables."""


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
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


metadata = ReferralsModel.metadata
tables = event_tables(metadata)
