"""Request and response shapes of claimants and consents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harbour_kit.contracts.vocabulary import Purpose
from harbour_kit.phones import e164
from harbour_referrals.schemas import Timestamp

DataCategory = Literal["identity", "contact", "languages", "needs", "vulnerability"]
ConsentMethod = Literal["verbal", "written", "guardian"]


class SafeContact(BaseModel):
    """How the claimant may be contacted safely."""

    model_config = ConfigDict(extra="forbid")

    voicemail_ok: bool = False
    sms_ok: bool = True
    whatsapp_ok: bool = False
    best_times: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=500)


class ClaimantDetails(BaseModel):
    """What the referrer knows of a claimant; stored encrypted, shared by category."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Name or alias")
    alias: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(
        default=None, max_length=40, description="Stored as E.164; Hong Kong numbers need no +852"
    )
    email: str | None = Field(default=None, max_length=200)
    safe_contact: SafeContact = Field(default_factory=SafeContact)
    languages: list[str] = Field(default_factory=list, max_length=10)
    interpreter_needed: bool = False

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else e164(value)


class ClaimantRecorded(BaseModel):
    """A claimant was recorded: only its id leaves the service."""

    id: str


class ClaimantPublic(BaseModel):
    """A claimant as its own organisation reads it (the read is audited)."""

    id: str
    details: ClaimantDetails | None = Field(description="None once purged")
    purged: bool


class ConsentIn(BaseModel):
    """A consent as the social worker records it."""

    model_config = ConfigDict(extra="forbid")

    claimant_id: str
    purpose: Purpose
    any_partner: bool = Field(default=False, description="Any partner, for this purpose")
    receiving_organization_ids: list[str] = Field(default_factory=list, max_length=50)
    data_categories: list[DataCategory] = Field(min_length=1)
    method: ConsentMethod
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("needs a UTC offset")
            if value <= datetime.now(UTC):
                raise ValueError("must be in the future")
        return value

    @field_validator("receiving_organization_ids")
    @classmethod
    def _some(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class ConsentPublic(BaseModel):
    """A consent as the API shows it (no claimant details)."""

    id: str
    claimant_id: str
    organization_id: str
    purpose: Purpose
    any_partner: bool
    receiving_organization_ids: list[str]
    data_categories: list[DataCategory]
    method: ConsentMethod
    recorded_by: str
    given_at: Timestamp
    expires_at: Timestamp | None
    withdrawn_at: Timestamp | None
    active: bool


class Consents(BaseModel):
    """A claimant's consents, newest first."""

    items: list[ConsentPublic]


class ConsentWithdrawal(ConsentPublic):
    """A withdrawn consent and the open referrals its withdrawal cancelled."""

    cancelled_referral_ids: list[str]
