"""Request and response shapes of listings (HSDS field names)."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]
T = TypeVar("T")


class ServiceCreate(BaseModel):
    """A new service listed by an org admin."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    status: ServiceStatus = "active"
    accepting_referrals: bool = True


class ServiceUpdate(BaseModel):
    """A change to a service; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    status: ServiceStatus | None = None
    accepting_referrals: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _present_means_a_value(cls, value: object) -> object:
        # Leaving a field out keeps it; sending null would blank a required field.
        if value is None:
            raise ValueError("must not be null; leave the field out to keep it")
        return value


class OrganizationPublic(BaseModel):
    """An organization as the HSDS API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    email: str | None
    website: str | None


class ServicePublic(BaseModel):
    """A service as the HSDS API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    organization_id: str
    name: str
    description: str
    status: str
    accepting_referrals: bool
    version: int
    updated_at: datetime


class Page(BaseModel, Generic[T]):
    """The HSDS 3.0 page envelope."""

    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[T]

    @classmethod
    def of(cls, contents: list[T], *, total: int, page: int, per_page: int) -> Page[T]:
        """Wraps one page of `contents` out of `total` items."""
        pages = max(1, -(-total // per_page))
        return cls(
            total_items=total,
            total_pages=pages,
            page_number=page,
            size=len(contents),
            first_page=page == 1,
            last_page=page >= pages,
            empty=not contents,
            contents=contents,
        )
