"""The minimal share: what a referral asks to share, the consent that covers it, what was sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.crypto import FieldCipher
from harbour_kit.errors import Forbidden, HarbourError
from harbour_referrals.audit import repository as audit
from harbour_referrals.consents import repository as consents_repository
from harbour_referrals.consents import service as consents
from harbour_referrals.models import Consent, Referral
from harbour_referrals.referrals import access
from harbour_referrals.referrals.schemas import SharedClaimant, SharedDetails
from harbour_referrals.runtime import Runtime


class ConsentMissing(HarbourError):
    status, code = 422, "consent-missing"


def _context(referral_id: str) -> str:
    """What a referral's encrypted request is bound to."""
    return f"referral:{referral_id}:request"


def seal(*, cipher: FieldCipher, referral_id: str, request: dict[str, Any]) -> str | None:
    """A referral's request (categories, needs, flags and, once sent, the share), encrypted."""
    return cipher.encrypt_json(request, context=_context(referral_id))


def request_of(*, cipher: FieldCipher, referral: Referral) -> dict[str, Any]:
    """What the referral asks to share (and, once sent, what it shared)."""
    value = cipher.decrypt_json(referral.share_enc, context=_context(referral.id))
    return value if isinstance(value, dict) else {}


async def covering(
    *, session: AsyncSession, cipher: FieldCipher, referral: Referral, organization_id: str
) -> tuple[Consent, list[str]]:
    """The consent that lets this referral's share go to an organisation, and its categories."""
    categories = list(request_of(cipher=cipher, referral=referral).get("categories") or [])
    consent = await consents.covering_consent(
        session=session,
        claimant_id=referral.claimant_id,
        organization_id=organization_id,
        purpose=referral.purpose,
        categories=categories,
    )
    if consent is None:
        raise ConsentMissing(
            "No active consent covers sending this referral: record one for this organisation,"
            f" purpose '{referral.purpose}' and data {', '.join(categories) or '(none)'}.",
            errors=[{"field": "consent", "message": "no active consent covers this referral"}],
        )
    return consent, categories


async def _snapshot(
    *, session: AsyncSession, cipher: FieldCipher, referral: Referral, categories: Sequence[str]
) -> dict[str, Any]:
    """What the recipient will see: the claimant's details, only in the allowed categories."""
    claimant = await consents_repository.get_claimant(
        session=session, claimant_id=referral.claimant_id
    )
    details = consents.details_of(cipher=cipher, claimant=claimant)
    request = request_of(cipher=cipher, referral=referral)
    shared: dict[str, Any] = {"categories": list(categories)}
    for category in categories:
        for name in consents.CATEGORY_FIELDS.get(category, ()):
            shared[name] = details.get(name)
    if "needs" in categories:
        shared["needs_summary"] = request.get("needs_summary")
        shared["urgency"] = referral.urgency
    if "vulnerability" in categories:
        shared["vulnerability_flags"] = request.get("vulnerability_flags", [])
    return shared


async def send_changes(
    *, session: AsyncSession, runtime: Runtime, referral: Referral, now: datetime
) -> dict[str, Any]:
    """Consent checked, the share fixed, the clocks started: what sending changes."""
    cipher, settings = runtime.cipher, runtime.settings
    consent, categories = await covering(
        session=session,
        cipher=cipher,
        referral=referral,
        organization_id=referral.recipient_organization_id,
    )
    shared = await _snapshot(
        session=session, cipher=cipher, referral=referral, categories=categories
    )
    request = {**request_of(cipher=cipher, referral=referral), "shared": shared}
    hours_ack = settings.acknowledge_hours.get(referral.urgency, 72.0)
    hours_accept = settings.accept_hours.get(referral.urgency, 168.0)
    return {
        "consent_id": consent.id,
        "sent_at": now,
        "ack_due_at": now + timedelta(hours=hours_ack),
        "accept_due_at": now + timedelta(hours=hours_accept),
        "share_enc": seal(cipher=cipher, referral_id=referral.id, request=request),
    }


async def read_shared(
    *, session: AsyncSession, cipher: FieldCipher, principal: Principal, referral_id: str
) -> SharedClaimant:
    """What was shared about the claimant, for the two organisations; every read is audited."""
    referral, side = await access.visible(
        session=session, principal=principal, referral_id=referral_id, details=True
    )
    if referral.purged_at is not None:
        raise Forbidden(
            "The claimant's details were purged under the retention policy.", code="purged"
        )
    await audit.record(
        session=session,
        actor=principal,
        action="claimant.read",
        entity="referral",
        entity_id=referral.id,
        detail={"side": side.value if side else None},
    )
    shared = request_of(cipher=cipher, referral=referral).get("shared")
    return SharedClaimant(
        referral_id=referral.id,
        shared=SharedDetails.model_validate(shared) if isinstance(shared, dict) else None,
    )
