"""Response shapes of referral targets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class TargetPublic(BaseModel):
    """A service as a referrer sees it when choosing where to refer."""

    model_config = ConfigDict(from_attributes=True)

    service_id: str
    organization_id: str
    name: str
    status: str
    accepting_referrals: bool
    version: int
    updated_at: datetime


class Targets(BaseModel):
    """Known services, by name."""

    items: list[TargetPublic]
