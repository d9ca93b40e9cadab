"""Request and response shapes of closures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harbour_directory.schemas import Instant

Reason = Literal[
    "typhoon-signal-8",
    "typhoon-signal-10",
    "black-rainstorm",
    "public-health",
    "renovation",
    "other",
]
Scope = Literal["network", "organization", "service"]


class ClosureCreate(BaseModel):
    """A closure to announce."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope
    scope_id: str | None = Field(default=None, description="Organization or service id")
    reason: Reason
    message: str = Field(default="", max_length=500)
    starts_at: datetime | None = Field(default=None, description="Default: now")
    ends_at: datetime | None = Field(default=None, description="None: until lifted")

    @model_validator(mode="after")
    def _consistent(self) -> ClosureCreate:
        if (self.scope == "network") != (self.scope_id is None):
            raise ValueError("scope_id is needed for an organization or service, and only then")
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a UTC offset")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ClosurePublic(BaseModel):
    """A closure announced, in force or to come."""

    id: str
    scope: Scope
    scope_id: str | None
    reason: Reason
    message: str
    starts_at: Instant
    ends_at: Instant | None = Field(description="None: until lifted")


class Closures(BaseModel):
    """Closures in force or announced, soonest first."""

    contents: list[ClosurePublic]
