"""Rules for claimants and consents: who records and reads them, and what a consent covers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.crypto import FieldCipher
from harbour_kit.errors import NotFound
from harbour_referrals.audit import repository as audit
from harbour_referrals.consents import repository
from harbour_referrals.consents.schemas import (
    ClaimantDetails,
    ClaimantPublic,
    ConsentIn,
    ConsentPublic,
)
from harbour_referrals.models import Claimant, Consent

# Which claimant fields each data category covers.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {
    "identity": ("name", "alias"),
    "contact": ("phone", "email", "safe_contact"),
    "languages": ("languages", "interpreter_needed"),
}


def _context(claimant_id: str) -> str:
    """What a claimant's encrypted details are bound to."""
    return f"claimant:{claimant_id}"


def _aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as UTC (SQLite keeps no offset)."""
    return value.replace(tzinfo=value.tzinfo or UTC) if value else None


async def own_claimant(
    *, session: AsyncSession, principal: Principal, claimant_id: str
) -> Claimant:
    """A claimant of the principal's organisation (others are not found)."""
    claimant = await repository.get_claimant(session=session, claimant_id=claimant_id)
    if claimant is None or claimant.organization_id != principal.org_id:
        raise NotFound("No such claimant.")
    return claimant


async def record_claimant(
    *, session: AsyncSession, cipher: FieldCipher, principal: Principal, details: ClaimantDetails
) -> str:
    """Records a claimant for the principal's organisation, encrypted; returns its id."""
    claimant_id = str(uuid.uuid4())
    claimant = Claimant(
        id=claimant_id,
        organization_id=principal.org_id or "",
        details_enc=cipher.encrypt_json(details.model_dump(), context=_context(claimant_id)),
        created_by=principal.sub,
    )
    await repository.save(session=session, row=claimant)
    await _audit(session=session, principal=principal, action="claimant.create", claimant=claimant)
    return claimant_id


def details_of(*, cipher: FieldCipher, claimant: Claimant | None) -> dict[str, Any]:
    """A claimant's details as recorded (empty once purged)."""
    if claimant is None or claimant.details_enc is None:
        return {}
    details = cipher.decrypt_json(claimant.details_enc, context=_context(claimant.id))
    return details if isinstance(details, dict) else {}


async def read_claimant(
    *, session: AsyncSession, cipher: FieldCipher, principal: Principal, claimant_id: str
) -> ClaimantPublic:
    """A claimant's details for its own organisation; every read is audited."""
    claimant = await own_claimant(session=session, principal=principal, claimant_id=claimant_id)
    await _audit(session=session, principal=principal, action="claimant.read", claimant=claimant)
    details = details_of(cipher=cipher, claimant=claimant)
    return ClaimantPublic(
        id=claimant.id,
        details=ClaimantDetails.model_validate(details) if details else None,
        purged=claimant.purged_at is not None,
    )


async def _audit(
    *, session: AsyncSession, principal: Principal, action: str, claimant: Claimant
) -> None:
    """The audit entry of a claimant recorded or read."""
    await audit.record(
        session=session, actor=principal, action=action, entity="claimant", entity_id=claimant.id
    )


def public(consent: Consent) -> ConsentPublic:
    """A consent as the API shows it (no claimant details)."""
    return ConsentPublic.model_validate(
        {**consent.model_dump(), "active": is_active(consent=consent)}
    )


async def record_consent(
    *, session: AsyncSession, principal: Principal, body: ConsentIn
) -> Consent:
    """Records a consent for a claimant of the principal's organisation."""
    await own_claimant(session=session, principal=principal, claimant_id=body.claimant_id)
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
    await repository.save(session=session, row=consent)
    await audit.record(
        session=session,
        actor=principal,
        action="consent.record",
        entity="consent",
        entity_id=consent.id,
        detail={"purpose": consent.purpose, "method": consent.method},
    )
    return consent


async def consents_of(
    *, session: AsyncSession, principal: Principal, claimant_id: str
) -> list[Consent]:
    """Every consent of a claimant of the principal's organisation, newest first."""
    await own_claimant(session=session, principal=principal, claimant_id=claimant_id)
    return await repository.consents_of(session=session, claimant_id=claimant_id)


async def own_consent(*, session: AsyncSession, principal: Principal, consent_id: str) -> Consent:
    """A consent recorded by the principal's organisation (others are not found)."""
    consent = await repository.get_consent(session=session, consent_id=consent_id)
    if consent is None or consent.organization_id != principal.org_id:
        raise NotFound("No such consent.")
    return consent


async def mark_withdrawn(
    *, session: AsyncSession, principal: Principal, consent: Consent, now: datetime
) -> None:
    """Records who withdrew the consent, and when."""
    consent.withdrawn_at, consent.withdrawn_by = now, principal.sub
    await repository.save(session=session, row=consent)


def is_active(*, consent: Consent, now: datetime | None = None) -> bool:
    """Not withdrawn and not expired."""
    now = now or datetime.now(UTC)
    expires = _aware(consent.expires_at)
    return consent.withdrawn_at is None and (expires is None or expires > now)


def covers(
    *, consent: Consent, organization_id: str, purpose: str, categories: Sequence[str]
) -> bool:
    """Whether an active consent lets these categories go to this organisation for this purpose."""
    return (
        is_active(consent=consent)
        and consent.purpose == purpose
        and (consent.any_partner or organization_id in consent.receiving_organization_ids)
        and set(categories) <= set(consent.data_categories)
    )


async def covering_consent(
    *,
    session: AsyncSession,
    claimant_id: str,
    organization_id: str,
    purpose: str,
    categories: Sequence[str],
) -> Consent | None:
    """The most recent active consent that covers a share, if any."""
    consents = await repository.consents_of(
        session=session, claimant_id=claimant_id, withdrawn=False
    )
    return next(
        (
            c
            for c in consents
            if covers(
                consent=c, organization_id=organization_id, purpose=purpose, categories=categories
            )
        ),
        None,
    )
