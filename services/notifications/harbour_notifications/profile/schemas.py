"""Request and response shapes of a recipient's profile and preferences."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harbour_kit.phones import e164

Clock = Annotated[str | None, Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Channel = Literal["inbox", "email", "sms"]


class ProfileUpdate(BaseModel):
    """How a recipient is reached; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(
        default=None, max_length=40, description="For SMS; stored as E.164 (+852 may be left out)"
    )
    locale: Literal["en", "zh-Hant", "zh-Hant-HK"] = "en"  # leave it out to keep it; never null
    quiet_start: Clock = None
    quiet_end: Clock = None
    digest_minutes: int | None = Field(default=None, ge=5, le=1440)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else e164(value)


class ProfilePublic(BaseModel):
    """A recipient as they see themselves: who they are to Harbour and how they are reached."""

    model_config = ConfigDict(from_attributes=True)

    sub: str
    organization_id: str | None
    roles: list[str]
    locale: str
    email: str | None
    phone: str | None
    quiet_start: str | None = Field(description="HH:MM, Hong Kong time")
    quiet_end: str | None
    digest_minutes: int | None


class PreferenceChange(BaseModel):
    """One choice: a notification type on a channel."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    channel: Channel
    enabled: bool


class PreferencePublic(BaseModel):
    """A choice the recipient made."""

    model_config = ConfigDict(from_attributes=True)

    kind: str
    channel: str
    enabled: bool


class Mandatory(BaseModel):
    """A type that cannot be switched off on a channel."""

    kind: str
    channel: str


class Preferences(BaseModel):
    """The recipient's choices, what cannot be switched off, and every type there is."""

    items: list[PreferencePublic]
    mandatory: list[Mandatory]
    kinds: list[str]
