"""Response shapes of the change history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ListingChange(BaseModel):
    """One change of a listing: who made it, when, and the changed fields before and after."""

    id: str
    service_id: str
    organization_id: str
    subject: str = Field(description="The subject id of the admin who made it")
    actor_organization_id: str | None = Field(description="The organisation they acted for")
    role: Literal["org_admin", "network_admin"]
    action: Literal["edit", "revert"]
    reverts: str | None = Field(description="The change a revert undid")
    changed_at: datetime
    before: dict[str, Any] = Field(description="Changed fields as they were (absent: not set)")
    after: dict[str, Any] = Field(description="Changed fields as they became (absent: removed)")


class ListingHistory(BaseModel):
    """A listing's changes, newest first."""

    service_id: str
    changes: list[ListingChange]
