"""Directory tables, named after Open Referral HSDS 3.0."""

from datetime import UTC, datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from harbour_kit.events.tables import event_tables


class DirectoryModel(SQLModel, registry=registry()):
    """Base of the directory's tables; its metadata holds only this service's tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class Organization(DirectoryModel, table=True):
    """An HSDS organization: a partner that provides services."""

    __tablename__ = "organization"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=200, index=True)
    description: str = Field(default="", max_length=4000)
    email: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=_now)


class Service(DirectoryModel, table=True):
    """An HSDS service, with Harbour's intake capacity."""

    __tablename__ = "service"

    id: str = Field(primary_key=True, max_length=36)
    organization_id: str = Field(foreign_key="organization.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    status: str = Field(default="active", max_length=30)
    accepting_referrals: bool = Field(default=True)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=_now)


metadata = DirectoryModel.metadata
tables = event_tables(metadata)
