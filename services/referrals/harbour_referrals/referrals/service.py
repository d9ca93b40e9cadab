"""Rules for referrals: create (idempotent), re-route, forward, expire, consent withdrawal.

Each is one unit of work; every change in it goes through `transitions`, so the lifecycle
decides and each change leaves its history row, audit entry and event.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import ConsentWithdrawn
from harbour_kit.contracts.vocabulary import LinkKind
from harbour_kit.errors import Conflict, Forbidden, ValidationFailed
from harbour_referrals.audit import repository as audit
from harbour_referrals.consents import service as consents
from harbour_referrals.lifecycle import Action, Actor, Status, Step
from harbour_referrals.models import Consent, IdempotencyKey, Referral, ReferralTarget
from harbour_referrals.referrals import access, repository, sharing, transitions
from harbour_referrals.referrals.schemas import ReferralIn
from harbour_referrals.referrals.sharing import ConsentMissing
from harbour_referrals.referrals.transitions import SYSTEM
from harbour_referrals.runtime import Runtime
from harbour_referrals.targets import repository as targets

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# What a re-routed or forwarded referral keeps of the one it replaces.
INHERITED = {"claimant_id", "purpose", "urgency", "referrer_organization_id", "referrer_sub"}


def new_reference() -> str:
    """A short reference people can read out: R- and six unambiguous characters."""
    return "R-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


async def _target(
    *, session: AsyncSession, service_id: str, field: str = "service_id"
) -> ReferralTarget:
    """A directory service that can take referrals now (clear error otherwise)."""
    found = await targets.get_target(session=session, service_id=service_id)
    problem = None
    if found is None:
        problem = "is not a service in the directory"
    elif found.removed or found.status in ("inactive", "defunct"):
        problem = "has been removed from the directory"
    elif not found.accepting_referrals:
        problem = "is not accepting referrals at the moment"
    if problem or found is None:
        raise ValidationFailed(
            f"That service {problem}.",
            code="service-unavailable",
            errors=[{"field": field, "message": problem or ""}],
        )
    return found


async def _issue(
    *,
    session: AsyncSession,
    runtime: Runtime,
    actor: Principal | str,
    target: ReferralTarget,
    request: dict[str, Any],
    **fields: Any,
) -> Referral:
    """A new draft referral to `target`, recorded as created."""
    now = datetime.now(UTC)
    referral = Referral(
        id=str(uuid.uuid4()),
        reference=new_reference(),
        status=Status.DRAFT,
        service_id=target.service_id,
        recipient_organization_id=target.organization_id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    referral.share_enc = sharing.seal(
        cipher=runtime.cipher, referral_id=referral.id, request=request
    )
    await repository.insert_new(session=session, referral=referral)
    await transitions.record(
        session=session,
        runtime=runtime,
        referral=referral,
        action="create",
        previous=None,
        actor=actor,
    )
    return referral


def _request_hash(body: ReferralIn) -> str:
    """What tells two creates under one Idempotency-Key apart."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def _answered(
    *, session: AsyncSession, organization_id: str, key: str, body: ReferralIn
) -> Referral | None:
    """The referral an earlier create with this key made, if any (409 for another body)."""
    seen = await repository.idempotency_key(
        session=session, organization_id=organization_id, key=key
    )
    if seen is None:
        return None
    if seen.request_hash != _request_hash(body):
        raise Conflict(
            "This Idempotency-Key was used for a different request.",
            code="idempotency-key-reused",
        )
    return await repository.get(session=session, referral_id=seen.referral_id)


async def create(
    *,
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    body: ReferralIn,
    idempotency_key: str | None,
) -> tuple[Referral, bool]:
    """A new draft referral (sent at once when `body.send`); (referral, created)."""
    if not principal.has_role(Role.SOCIAL_WORKER):
        raise Forbidden("Only social workers make referrals.", code="wrong-role")
    org = principal.org_id or ""
    if idempotency_key:
        existing = await _answered(
            session=session, organization_id=org, key=idempotency_key, body=body
        )
        if existing is not None:
            return existing, False
    await consents.own_claimant(session=session, principal=principal, claimant_id=body.claimant_id)
    target = await _target(session=session, service_id=body.service_id)
    for index, candidate in enumerate(body.candidates):
        await _target(session=session, service_id=candidate, field=f"candidates[{index}]")
    referral = await _issue(
        session=session,
        runtime=runtime,
        actor=principal,
        target=target,
        request={
            "categories": sorted(set(body.share)),
            "needs_summary": body.needs_summary,
            "vulnerability_flags": sorted(set(body.vulnerability_flags)),
        },
        claimant_id=body.claimant_id,
        purpose=body.purpose,
        urgency=body.urgency,
        referrer_organization_id=org,
        referrer_sub=principal.sub,
        recipient_worker=body.recipient_worker,
        candidates=list(body.candidates),
    )
    if idempotency_key:
        key = IdempotencyKey(
            organization_id=org,
            key=idempotency_key,
            request_hash=_request_hash(body),
            referral_id=referral.id,
        )
        await repository.add(session=session, row=key)
    if body.send:
        referral = await transitions.transition(
            session=session,
            runtime=runtime,
            actor=principal,
            referral_id=referral.id,
            action=Action.SEND,
        )
    return referral, True


async def _next_candidate(
    *, session: AsyncSession, candidates: list[str]
) -> tuple[str | None, list[str]]:
    """The first candidate still taking referrals, and the candidates left after it."""
    while candidates:
        service_id, candidates = candidates[0], candidates[1:]
        found = await targets.get_target(session=session, service_id=service_id)
        if found and found.accepting_referrals and not found.removed:
            return service_id, candidates
    return None, candidates


async def reroute(
    *,
    session: AsyncSession,
    runtime: Runtime,
    actor: Principal | str,
    old: Referral,
    service_id: str | None,
    kind: LinkKind,
) -> Referral | None:
    """A new referral replacing `old`: to `service_id` or the next candidate; sent if consented."""
    candidates = list(old.candidates)
    if service_id is None:
        service_id, candidates = await _next_candidate(session=session, candidates=candidates)
        if service_id is None:
            return None
    target = await _target(session=session, service_id=service_id)
    request = sharing.request_of(cipher=runtime.cipher, referral=old)
    request.pop("shared", None)
    referral = await _issue(
        session=session,
        runtime=runtime,
        actor=actor,
        target=target,
        request=request,
        candidates=candidates,
        replaces_id=old.id,
        link_kind=kind,
        **old.model_dump(include=INHERITED),
    )
    try:
        # The system sends it for the referrer, who chose the candidates.
        return await transitions.apply(
            session=session,
            runtime=runtime,
            referral=referral,
            action=Action.SEND,
            side=Actor.REFERRER,
            actor=SYSTEM,
        )
    except ConsentMissing:
        return referral  # stays a draft: the referrer records consent, then sends


async def reroute_declined(
    *,
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    referral_id: str,
    service_id: str | None,
) -> Referral:
    """The referrer refers again after a decline or cancellation, to a service or the next one."""
    old, side = await access.visible(session=session, principal=principal, referral_id=referral_id)
    if side != Actor.REFERRER:
        raise Forbidden("Only the referring organisation re-routes.", code="wrong-actor")
    if old.status not in (Status.REJECTED, Status.CANCELLED):
        raise ValidationFailed(
            "Only a declined or cancelled referral is re-routed.",
            code="transition-not-allowed",
            errors=[{"field": "status", "message": f"is {old.status}"}],
        )
    new = await reroute(
        session=session,
        runtime=runtime,
        actor=principal,
        old=old,
        service_id=service_id,
        kind="re-route",
    )
    if new is None:
        raise ValidationFailed(
            "No candidate service is left to try.",
            errors=[{"field": "service_id", "message": "give a service to refer to"}],
        )
    return new


async def forward(
    *,
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    referral_id: str,
    service_id: str,
    expected_version: int | None,
) -> Referral:
    """The recipient passes the claimant on: this referral is declined, a linked one is sent."""
    referral, side = await access.visible(
        session=session, principal=principal, referral_id=referral_id
    )
    if side != Actor.RECIPIENT:
        raise Forbidden("Only the receiving organisation forwards a referral.", code="wrong-actor")
    target = await _target(session=session, service_id=service_id)
    await sharing.covering(
        session=session,
        cipher=runtime.cipher,
        referral=referral,
        organization_id=target.organization_id,
    )
    await transitions.transition(
        session=session,
        runtime=runtime,
        actor=principal,
        referral_id=referral_id,
        action=Action.REJECT,
        step=Step(reason="out-of-scope"),
        expected_version=expected_version,
    )
    new = await reroute(
        session=session,
        runtime=runtime,
        actor=principal,
        old=referral,
        service_id=service_id,
        kind="forward",
    )
    assert new is not None
    return new


async def expire(*, session: AsyncSession, runtime: Runtime, referral_id: str) -> Referral | None:
    """Cancels an overdue referral (business status `expired`) and re-routes it if it can."""
    referral = await transitions.transition(
        session=session,
        runtime=runtime,
        actor=SYSTEM,
        referral_id=referral_id,
        action=Action.EXPIRE,
    )
    return await reroute(
        session=session,
        runtime=runtime,
        actor=SYSTEM,
        old=referral,
        service_id=None,
        kind="re-route",
    )


async def withdraw_consent(
    *, session: AsyncSession, runtime: Runtime, principal: Principal, consent_id: str
) -> tuple[Consent, list[str]]:
    """Withdraws a consent and cancels every open referral it covered, at once."""
    consent = await consents.own_consent(
        session=session, principal=principal, consent_id=consent_id
    )
    if consent.withdrawn_at is not None:
        return consent, []
    now = datetime.now(UTC)
    await consents.mark_withdrawn(session=session, principal=principal, consent=consent, now=now)
    cancelled = []
    for referral in await repository.open_under_consent(session=session, consent_id=consent.id):
        await transitions.transition(
            session=session,
            runtime=runtime,
            actor=SYSTEM,
            referral_id=referral.id,
            action=Action.WITHDRAW_CONSENT,
        )
        cancelled.append(referral.id)
    await audit.record(
        session=session,
        actor=principal,
        action="consent.withdraw",
        entity="consent",
        entity_id=consent.id,
        detail={"cancelled": len(cancelled)},
    )
    await runtime.outbox.add(
        session,
        ConsentWithdrawn(
            consent_id=consent.id,
            organization_id=consent.organization_id,
            cancelled_referral_ids=cancelled,
            occurred_at=now,
        ),
        subject=consent.id,
    )
    return consent, cancelled
