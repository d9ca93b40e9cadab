"""Rules for referrals: create, transitions, re-routing, forwarding, consent withdrawal, notes.

Every change is one unit of work holding one history row, one audit entry and one event. A
transition is guarded by the referral's version (optimistic concurrency): the update only
applies `WHERE version = <the version read>`, so two concurrent accepts cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import ConsentWithdrawn, ReferralTransitioned
from harbour_kit.db import dialect_of, execute
from harbour_kit.errors import Conflict, Forbidden, HarbourError, NotFound, ValidationFailed
from harbour_referrals import audit, lifecycle
from harbour_referrals.consents import (
    CATEGORY_FIELDS,
    covering_consent,
    own_claimant,
)
from harbour_referrals.lifecycle import Action, Actor, Status, Step
from harbour_referrals.models import (
    Claimant,
    Consent,
    IdempotencyKey,
    Note,
    Referral,
    ReferralHistory,
    ReferralTarget,
)
from harbour_referrals.referrals.schemas import ReferralIn
from harbour_referrals.runtime import Runtime

SYSTEM = "system:referrals"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class ConsentMissing(HarbourError):
    status, code = 422, "consent-missing"


def new_reference() -> str:
    """A short reference people can read out: R- and six unambiguous characters."""
    return "R-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=value.tzinfo or UTC) if value else None


def side_of(principal: Principal, referral: Referral) -> Actor | None:
    """Which side of the referral the principal acts for, if any."""
    if principal.org_id == referral.referrer_organization_id and principal.has_role(
        Role.SOCIAL_WORKER
    ):
        return Actor.REFERRER
    if principal.org_id == referral.recipient_organization_id and principal.has_role(
        Role.PARTNER_STAFF, Role.ORG_ADMIN
    ):
        return Actor.RECIPIENT
    return None


async def readable(
    session: AsyncSession, principal: Principal, referral_id: str
) -> tuple[Referral, Actor | None]:
    """A referral the principal's organisation is party to (others: not found)."""
    referral = await session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("No such referral.")
    side = side_of(principal, referral)
    if side is None and not principal.has_role(Role.NETWORK_ADMIN):
        raise NotFound("No such referral.")
    return referral, side


async def target(
    session: AsyncSession, service_id: str, *, field: str = "service_id"
) -> ReferralTarget:
    """A directory service that can take referrals now (clear error otherwise)."""
    found = await session.get(ReferralTarget, service_id)
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


def _event(referral: Referral, action: str, previous: str | None) -> ReferralTransitioned:
    return ReferralTransitioned(
        referral_id=referral.id,
        reference=referral.reference,
        action=action,
        status=referral.status,
        business_status=referral.business_status,
        previous_status=previous,
        version=referral.version,
        urgency=referral.urgency,
        purpose=referral.purpose,
        service_id=referral.service_id,
        referrer_organization_id=referral.referrer_organization_id,
        recipient_organization_id=referral.recipient_organization_id,
        assignee=referral.assignee,
        replaces_id=referral.replaces_id,
        link_kind=referral.link_kind,
        occurred_at=referral.updated_at,
    )


async def _record(
    session: AsyncSession,
    runtime: Runtime,
    referral: Referral,
    *,
    action: str,
    previous: str | None,
    actor: Principal | str,
) -> None:
    """The history row, audit entry and event of one change."""
    sub, org = (actor.sub, actor.org_id) if isinstance(actor, Principal) else (actor, None)
    session.add(
        ReferralHistory(
            referral_id=referral.id,
            version=referral.version,
            action=action,
            from_status=previous,
            to_status=referral.status,
            business_status=referral.business_status,
            actor_sub=sub,
            actor_organization_id=org,
            at=referral.updated_at,
        )
    )
    await audit.record(
        session,
        actor=actor,
        action=f"referral.{action}",
        entity="referral",
        entity_id=referral.id,
        detail={"from": previous, "to": referral.status, "version": referral.version},
    )
    await runtime.outbox.add(session, _event(referral, action, previous), subject=referral.id)


def _request_hash(body: ReferralIn) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def _hold_key(session: AsyncSession, organization_id: str, key: str) -> None:
    """Makes a second request with the same key wait for the first to commit, then read its row.

    SQLite's write units of work already run one at a time (`BEGIN IMMEDIATE`); on PostgreSQL a
    transaction-scoped advisory lock on the key does the same for just that key.
    """
    if dialect_of(session) != "postgresql":
        return
    await execute(
        session,
        text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
        {"name": f"idempotency:{organization_id}:{key}"},
    )


async def create(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    body: ReferralIn,
    *,
    idempotency_key: str | None,
) -> tuple[Referral, bool]:
    """A new draft referral (sent at once when `body.send`); (referral, created)."""
    if not principal.has_role(Role.SOCIAL_WORKER):
        raise Forbidden("Only social workers make referrals.", code="wrong-role")
    org = principal.org_id or ""
    if idempotency_key:
        await _hold_key(session, org, idempotency_key)
        seen = await session.get(IdempotencyKey, (org, idempotency_key))
        if seen is not None:
            if seen.request_hash != _request_hash(body):
                raise Conflict(
                    "This Idempotency-Key was used for a different request.",
                    code="idempotency-key-reused",
                )
            existing = await session.get(Referral, seen.referral_id)
            assert existing is not None
            return existing, False
    await own_claimant(session, principal, body.claimant_id)
    service = await target(session, body.service_id)
    for index, candidate in enumerate(body.candidates):
        await target(session, candidate, field=f"candidates[{index}]")
    now = datetime.now(UTC)
    referral = Referral(
        id=str(uuid.uuid4()),
        reference=new_reference(),
        status=Status.DRAFT,
        claimant_id=body.claimant_id,
        purpose=body.purpose,
        urgency=body.urgency,
        referrer_organization_id=org,
        referrer_sub=principal.sub,
        service_id=service.service_id,
        recipient_organization_id=service.organization_id,
        recipient_worker=body.recipient_worker,
        candidates=list(body.candidates),
        created_at=now,
        updated_at=now,
    )
    referral.share_enc = runtime.cipher.encrypt_json(
        {
            "categories": sorted(set(body.share)),
            "needs_summary": body.needs_summary,
            "vulnerability_flags": sorted(set(body.vulnerability_flags)),
        },
        context=f"referral:{referral.id}:request",
    )
    session.add(referral)
    await session.flush()
    await _record(session, runtime, referral, action="create", previous=None, actor=principal)
    if idempotency_key:
        session.add(
            IdempotencyKey(
                organization_id=org,
                key=idempotency_key,
                request_hash=_request_hash(body),
                referral_id=referral.id,
            )
        )
    if body.send:
        referral = await transition(
            session, runtime, principal, referral.id, Action.SEND, Step(), expected_version=None
        )
    return referral, True


def _request(runtime: Runtime, referral: Referral) -> dict[str, Any]:
    value = runtime.cipher.decrypt_json(
        referral.share_enc, context=f"referral:{referral.id}:request"
    )
    return value if isinstance(value, dict) else {}


async def _share_snapshot(
    session: AsyncSession, runtime: Runtime, referral: Referral, categories: list[str]
) -> dict[str, Any]:
    """What the recipient will see: the claimant's details, only in the allowed categories."""
    claimant = await session.get(Claimant, referral.claimant_id)
    details = (
        runtime.cipher.decrypt_json(claimant.details_enc, context=f"claimant:{claimant.id}")
        if claimant and claimant.details_enc
        else {}
    ) or {}
    request = _request(runtime, referral)
    shared: dict[str, Any] = {"categories": categories}
    for category in categories:
        for name in CATEGORY_FIELDS.get(category, ()):
            shared[name] = details.get(name)
    if "needs" in categories:
        shared["needs_summary"] = request.get("needs_summary")
        shared["urgency"] = referral.urgency
    if "vulnerability" in categories:
        shared["vulnerability_flags"] = request.get("vulnerability_flags", [])
    return shared


async def _guard_consent(
    session: AsyncSession, runtime: Runtime, referral: Referral
) -> tuple[Consent, list[str]]:
    categories = list(_request(runtime, referral).get("categories") or [])
    consent = await covering_consent(
        session,
        claimant_id=referral.claimant_id,
        organization_id=referral.recipient_organization_id,
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


def _refused(error: lifecycle.TransitionRefused) -> HarbourError:
    if error.code == "wrong-actor":
        return Forbidden(error.detail, code="wrong-actor")
    if error.code in ("missing-field", "invalid-field"):
        return ValidationFailed(
            error.detail,
            code=error.code,
            errors=[{"field": error.field or "", "message": error.detail}],
        )
    return Conflict(error.detail, code="transition-not-allowed")


async def transition(
    session: AsyncSession,
    runtime: Runtime,
    actor: Principal | str,
    referral_id: str,
    action: Action,
    step: Step,
    *,
    expected_version: int | None,
) -> Referral:
    """Applies one lifecycle action for a principal (or the system, as a string)."""
    referral = await session.get(Referral, referral_id, with_for_update=True)
    if referral is None:
        raise NotFound("No such referral.")
    if isinstance(actor, Principal):
        side = side_of(actor, referral)
        if action == Action.ENTER_IN_ERROR and actor.has_role(Role.NETWORK_ADMIN):
            side = Actor.NETWORK_ADMIN
        if side is None:
            if actor.has_role(Role.NETWORK_ADMIN):
                side = Actor.NETWORK_ADMIN
            else:
                raise NotFound("No such referral.")
    else:
        side = Actor.SYSTEM
    if expected_version is not None and expected_version != referral.version:
        raise Conflict(
            f"The referral changed meanwhile (now version {referral.version}); reload and retry.",
            code="version-conflict",
        )
    try:
        outcome = lifecycle.apply(Status(referral.status), action, side, step)
    except lifecycle.TransitionRefused as refused:
        raise _refused(refused) from None
    now = datetime.now(UTC)
    previous, version = referral.status, referral.version
    changes: dict[str, Any] = {
        "status": outcome.status.value,
        "business_status": outcome.business_status,
        "version": version + 1,
        "updated_at": now,
    }
    if action == Action.SEND:
        changes.update(await _send_changes(session, runtime, referral, now))
    elif action == Action.ACKNOWLEDGE:
        changes.update(ack_due_at=None, acknowledged_at=now)
    elif action == Action.ACCEPT:
        changes.update(ack_due_at=None, accept_due_at=None, accepted_at=now, assignee=step.assignee)
    if outcome.status in lifecycle.TERMINAL:
        changes.update(ack_due_at=None, accept_due_at=None, closed_at=now)
        text = step.outcome or step.text
        if text:
            changes["outcome_enc"] = runtime.cipher.encrypt(
                text, context=f"referral:{referral.id}:outcome"
            )
    result = await execute(
        session,
        update(Referral)
        .where(col(Referral.id) == referral.id, col(Referral.version) == version)
        .values(**changes),
    )
    if result.rowcount != 1:
        raise Conflict("The referral changed meanwhile; reload and retry.", code="version-conflict")
    await session.refresh(referral)
    await _record(session, runtime, referral, action=action.value, previous=previous, actor=actor)
    return referral


async def _send_changes(
    session: AsyncSession, runtime: Runtime, referral: Referral, now: datetime
) -> dict[str, Any]:
    """Consent checked, the share fixed, the clocks started: what sending changes."""
    consent, categories = await _guard_consent(session, runtime, referral)
    shared = await _share_snapshot(session, runtime, referral, categories)
    request = {**_request(runtime, referral), "shared": shared}
    hours_ack = runtime.settings.acknowledge_hours.get(referral.urgency, 72.0)
    hours_accept = runtime.settings.accept_hours.get(referral.urgency, 168.0)
    return {
        "consent_id": consent.id,
        "sent_at": now,
        "ack_due_at": now + timedelta(hours=hours_ack),
        "accept_due_at": now + timedelta(hours=hours_accept),
        "share_enc": runtime.cipher.encrypt_json(
            request, context=f"referral:{referral.id}:request"
        ),
    }


def shared_details(runtime: Runtime, referral: Referral) -> dict[str, Any] | None:
    """What was shared with the recipient when the referral was sent (None before)."""
    shared = _request(runtime, referral).get("shared")
    return shared if isinstance(shared, dict) else None


async def reroute(
    session: AsyncSession,
    runtime: Runtime,
    actor: Principal | str,
    old: Referral,
    *,
    service_id: str | None,
    kind: str,
) -> Referral | None:
    """A new referral replacing `old`: to `service_id` or the next candidate; sent if consented."""
    candidates = list(old.candidates)
    if service_id is None:
        while candidates:
            service_id = candidates.pop(0)
            found = await session.get(ReferralTarget, service_id)
            if found and found.accepting_referrals and not found.removed:
                break
            service_id = None
        if service_id is None:
            return None
    service = await target(session, service_id)
    now = datetime.now(UTC)
    request = _request(runtime, old)
    request.pop("shared", None)
    referral = Referral(
        id=str(uuid.uuid4()),
        reference=new_reference(),
        status=Status.DRAFT,
        claimant_id=old.claimant_id,
        purpose=old.purpose,
        urgency=old.urgency,
        referrer_organization_id=old.referrer_organization_id,
        referrer_sub=old.referrer_sub,
        service_id=service.service_id,
        recipient_organization_id=service.organization_id,
        candidates=candidates,
        replaces_id=old.id,
        link_kind=kind,
        created_at=now,
        updated_at=now,
    )
    referral.share_enc = runtime.cipher.encrypt_json(
        request, context=f"referral:{referral.id}:request"
    )
    session.add(referral)
    await session.flush()
    await _record(session, runtime, referral, action="create", previous=None, actor=actor)
    try:
        return await _system_send(session, runtime, referral)
    except ConsentMissing:
        return referral  # stays a draft: the referrer records consent, then sends


async def _system_send(session: AsyncSession, runtime: Runtime, referral: Referral) -> Referral:
    """Sends a re-routed or forwarded referral: the system acts for the referrer."""
    now = datetime.now(UTC)
    changes = await _send_changes(session, runtime, referral, now)
    previous = referral.status
    await execute(
        session,
        update(Referral)
        .where(col(Referral.id) == referral.id)
        .values(
            status=Status.REQUESTED.value, version=referral.version + 1, updated_at=now, **changes
        ),
    )
    await session.refresh(referral)
    await _record(session, runtime, referral, action="send", previous=previous, actor=SYSTEM)
    return referral


async def forward(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    referral_id: str,
    *,
    service_id: str,
    expected_version: int | None,
) -> Referral:
    """The recipient passes the claimant on: this referral is declined, a linked one is sent."""
    referral, side = await readable(session, principal, referral_id)
    if side != Actor.RECIPIENT:
        raise Forbidden("Only the receiving organisation forwards a referral.", code="wrong-actor")
    service = await target(session, service_id)
    probe = Referral(**referral.model_dump())
    probe.recipient_organization_id = service.organization_id
    await _guard_consent(session, runtime, probe)
    await transition(
        session,
        runtime,
        principal,
        referral_id,
        Action.REJECT,
        Step(reason="out-of-scope"),
        expected_version=expected_version,
    )
    new = await reroute(
        session, runtime, principal, referral, service_id=service_id, kind="forward"
    )
    assert new is not None
    return new


async def expire(session: AsyncSession, runtime: Runtime, referral_id: str) -> Referral | None:
    """Cancels an overdue referral (business status `expired`) and re-routes it if it can."""
    referral = await transition(
        session, runtime, SYSTEM, referral_id, Action.EXPIRE, Step(), expected_version=None
    )
    return await reroute(session, runtime, SYSTEM, referral, service_id=None, kind="re-route")


async def withdraw(
    session: AsyncSession, runtime: Runtime, principal: Principal, consent: Consent
) -> list[str]:
    """Withdraws a consent and cancels every open referral it covered, at once."""
    if consent.withdrawn_at is not None:
        return []
    now = datetime.now(UTC)
    consent.withdrawn_at, consent.withdrawn_by = now, principal.sub
    session.add(consent)
    covered = (
        await session.exec(
            select(Referral)
            .where(
                Referral.consent_id == consent.id,
                col(Referral.status).in_([s.value for s in lifecycle.OPEN]),
            )
            .order_by(col(Referral.id))
            .with_for_update()  # every row first, in one order, before any change
        )
    ).all()
    cancelled = []
    for referral in covered:
        await transition(
            session,
            runtime,
            SYSTEM,
            referral.id,
            Action.WITHDRAW_CONSENT,
            Step(),
            expected_version=None,
        )
        cancelled.append(referral.id)
    await audit.record(
        session,
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
    return cancelled


async def add_note(
    session: AsyncSession, runtime: Runtime, principal: Principal, referral_id: str, body: str
) -> Note:
    """A message on the referral, from either side while it is open to that side."""
    referral, side = await readable(session, principal, referral_id)
    if side is None or (
        side == Actor.RECIPIENT and Status(referral.status) not in lifecycle.VISIBLE_TO_RECIPIENT
    ):
        raise Forbidden("This referral is not open to your organisation.", code="access-ended")
    note = Note(
        id=str(uuid.uuid4()),
        referral_id=referral.id,
        author_sub=principal.sub,
        author_organization_id=principal.org_id,
    )
    note.body_enc = runtime.cipher.encrypt(body, context=f"note:{note.id}")
    session.add(note)
    await audit.record(
        session, actor=principal, action="note.add", entity="referral", entity_id=referral.id
    )
    return note
