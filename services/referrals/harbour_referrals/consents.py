"""Claimants and their consents: recorded by the referrer's organisation, withdrawn at any time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import NotFound
from harbour_kit.phones import e164
from harbour_referrals import audit
from harbour_referrals.models import Claimant, Consent
from harbour_referrals.runtime import runtime_of

router = APIRouter(tags=["consent"])
SocialWorker = Annotated[Principal, Depends(require_roles(Role.SOCIAL_WORKER))]

DATA_CATEGORIES = ("identity", "contact", "languages", "needs", "vulnerability")
DataCategory = Literal["identity", "contact", "languages", "needs", "vulnerability"]
PURPOSES = (
    "legal",
    "medical",
    "housing",
    "speech-therapy",
    "mental-health",
    "social-welfare",
    "interpretation",
    "food",
    "education",
    "employment",
    "children-family",
)
Purpose = Literal[
    "legal",
    "medical",
    "housing",
    "speech-therapy",
    "mental-health",
    "social-welfare",
    "interpretation",
    "food",
    "education",
    "employment",
    "children-family",
]


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


# Which claimant fields each data category covers.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    "identity": ("name", "alias"),
    "contact": ("phone", "email", "safe_contact"),
    "languages": ("languages", "interpreter_needed"),
}


class ConsentIn(BaseModel):
    """A consent as the social worker records it."""

    model_config = ConfigDict(extra="forbid")

    claimant_id: str
    purpose: Purpose
    any_partner: bool = Field(default=False, description="Any partner, for this purpose")
    receiving_organization_ids: list[str] = Field(default_factory=list, max_length=50)
    data_categories: list[DataCategory] = Field(min_length=1)
    method: Literal["verbal", "written", "guardian"]
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


def consent_view(consent: Consent) -> dict[str, Any]:
    """A consent as the API shows it (no claimant details)."""
    return {
        "id": consent.id,
        "claimant_id": consent.claimant_id,
        "organization_id": consent.organization_id,
        "purpose": consent.purpose,
        "any_partner": consent.any_partner,
        "receiving_organization_ids": consent.receiving_organization_ids,
        "data_categories": consent.data_categories,
        "method": consent.method,
        "recorded_by": consent.recorded_by,
        "given_at": consent.given_at.isoformat(),
        "expires_at": consent.expires_at.isoformat() if consent.expires_at else None,
        "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        "active": is_active(consent),
    }


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=value.tzinfo or UTC) if value else None


def is_active(consent: Consent, now: datetime | None = None) -> bool:
    """Not withdrawn and not expired."""
    now = now or datetime.now(UTC)
    expires = _utc(consent.expires_at)
    return consent.withdrawn_at is None and (expires is None or expires > now)


def covers(consent: Consent, *, organization_id: str, purpose: str, categories: list[str]) -> bool:
    """Whether an active consent lets these categories go to this organisation for this purpose."""
    return (
        is_active(consent)
        and consent.purpose == purpose
        and (consent.any_partner or organization_id in consent.receiving_organization_ids)
        and set(categories) <= set(consent.data_categories)
    )


async def covering_consent(
    session: AsyncSession,
    *,
    claimant_id: str,
    organization_id: str,
    purpose: str,
    categories: list[str],
) -> Consent | None:
    """The most recent active consent that covers a share, if any."""
    consents = (
        await session.exec(
            select(Consent)
            .where(Consent.claimant_id == claimant_id, col(Consent.withdrawn_at).is_(None))
            .order_by(col(Consent.given_at).desc())
        )
    ).all()
    return next(
        (
            c
            for c in consents
            if covers(c, organization_id=organization_id, purpose=purpose, categories=categories)
        ),
        None,
    )


async def own_claimant(session: AsyncSession, principal: Principal, claimant_id: str) -> Claimant:
    """A claimant of the principal's organisation (others are not found)."""
    claimant = await session.get(Claimant, claimant_id)
    if claimant is None or claimant.organization_id != principal.org_id:
        raise NotFound("No such claimant.")
    return claimant


@router.post("/claimants", status_code=201, summary="Record a claimant (encrypted)")
async def create_claimant(
    details: ClaimantDetails, principal: SocialWorker, svc: ServiceDep
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    claimant_id = str(uuid.uuid4())
    async with svc.uow() as session:
        session.add(
            Claimant(
                id=claimant_id,
                organization_id=principal.org_id or "",
                details_enc=runtime.cipher.encrypt_json(
                    details.model_dump(), context=f"claimant:{claimant_id}"
                ),
                created_by=principal.sub,
            )
        )
        await audit.record(
            session,
            actor=principal,
            action="claimant.create",
            entity="claimant",
            entity_id=claimant_id,
        )
    return {"id": claimant_id}


@router.get("/claimants/{claimant_id}", summary="A claimant's details (audited)")
async def read_claimant(
    claimant_id: str, principal: SocialWorker, svc: ServiceDep
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        claimant = await own_claimant(session, principal, claimant_id)
        await audit.record(
            session,
            actor=principal,
            action="claimant.read",
            entity="claimant",
            entity_id=claimant_id,
        )
        details = runtime.cipher.decrypt_json(
            claimant.details_enc, context=f"claimant:{claimant.id}"
        )
    return {"id": claimant.id, "details": details, "purged": claimant.purged_at is not None}


@router.post("/consents", status_code=201, summary="Record a claimant's consent")
async def create_consent(
    body: ConsentIn, principal: SocialWorker, svc: ServiceDep
) -> dict[str, Any]:
    async with svc.uow() as session:
        await own_claimant(session, principal, body.claimant_id)
        consent = Consent(
            id=str(uuid.uuid4()),
            claimant_id=body.claimant_id,
            organization_id=principal.org_id or "",
            any_partner=body.any_partner,
            receiving_organization_ids=body.receiving_organization_ids,
            purpose=body.purpose,
            data_categories=sorted(set(body.data_categories)),
            method=body.method,
            recorded_by=principal.sub,
            expires_at=body.expires_at,
        )
        session.add(consent)
        await audit.record(
            session,
            actor=principal,
            action="consent.record",
            entity="consent",
            entity_id=consent.id,
            detail={"purpose": consent.purpose, "method": consent.method},
        )
        return consent_view(consent)


@router.get("/consents", summary="Consents of one claimant")
async def list_consents(
    principal: SocialWorker, svc: ServiceDep, claimant_id: Annotated[str, Query()]
) -> dict[str, Any]:
    async with svc.factory() as session:
        await own_claimant(session, principal, claimant_id)
        rows = (
            await session.exec(
                select(Consent)
                .where(Consent.claimant_id == claimant_id)
                .order_by(col(Consent.given_at).desc())
            )
        ).all()
    return {"items": [consent_view(c) for c in rows]}


@router.post("/consents/{consent_id}/withdraw", summary="Withdraw a consent")
async def withdraw_consent(
    consent_id: str, principal: SocialWorker, svc: ServiceDep
) -> dict[str, Any]:
    from harbour_referrals.referrals.service import withdraw

    async with svc.uow() as session:
        consent = await session.get(Consent, consent_id)
        if consent is None or consent.organization_id != principal.org_id:
            raise NotFound("No such consent.")
        cancelled = await withdraw(session, runtime_of(svc), principal, consent)
        return {**consent_view(consent), "cancelled_referral_ids": cancelled}
