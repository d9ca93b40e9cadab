"""Request shapes of the referrals API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harbour_referrals.consents import DataCategory, Purpose

VulnerabilityFlag = Literal[
    "torture-survivor",
    "gender-based-violence",
    "unaccompanied-minor",
    "disability",
    "serious-medical-condition",
    "suicide-risk",
    "pregnant",
    "elderly",
    "lgbtiq",
    "trafficking-survivor",
]


DEFAULT_SHARE: tuple[DataCategory, ...] = ("identity", "contact", "languages", "needs")


class ReferralIn(BaseModel):
    """A new referral: to one service, with candidates to try next."""

    model_config = ConfigDict(extra="forbid")

    claimant_id: str
    service_id: str
    purpose: Purpose
    urgency: Literal["urgent", "soon", "routine"] = "routine"
    share: list[DataCategory] = Field(
        default_factory=lambda: list(DEFAULT_SHARE),
        description="Data categories to share; the consent must cover all of them",
    )
    needs_summary: str = Field(default="", max_length=2000)
    vulnerability_flags: list[VulnerabilityFlag] = Field(default_factory=list)
    candidates: list[str] = Field(
        default_factory=list, max_length=10, description="Services to try next, in order"
    )
    recipient_worker: str | None = Field(default=None, max_length=200)
    send: bool = Field(default=False, description="Send at once (needs a covering consent)")


class TransitionIn(BaseModel):
    """The input of one lifecycle action."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=40)
    hold_reason: str | None = Field(default=None, max_length=40)
    text: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=4000)


class ForwardIn(BaseModel):
    """Where the receiving organisation passes the claimant on to."""

    model_config = ConfigDict(extra="forbid")

    service_id: str


class RerouteIn(BaseModel):
    """A new referral after a decline or expiry: to a service, or to the next candidate."""

    model_config = ConfigDict(extra="forbid")

    service_id: str | None = None


class NoteIn(BaseModel):
    """A message on a referral."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=4000)
