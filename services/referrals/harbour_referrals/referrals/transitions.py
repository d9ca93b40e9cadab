"""Moving a referral on: the lifecycle applied under the version guard, and the change recorded.

Every change leaves one history row, one audit entry and one event in its unit of work. The
update only applies `WHERE version = <the version read>`, so two concurrent accepts cannot both
win.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import ReferralTransitioned
from harbour_kit.errors import Conflict, Forbidden, HarbourError, NotFound, ValidationFailed
from harbour_referrals import lifecycle
from harbour_referrals.audit import repository as audit
from harbour_referrals.lifecycle import Action, Actor, Status, Step
from harbour_referrals.models import Referral
from harbour_referrals.referrals import access, repository, sharing
from harbour_referrals.runtime import Runtime

SYSTEM = "system:referrals"
# Actions only Harbour itself takes.
BY_ITSELF = frozenset({Action.EXPIRE, Action.WITHDRAW_CONSENT})


def _event(*, referral: Referral, action: str, previous: str | None) -> ReferralTransitioned:
    """The event of one change, with ids, codes and states only."""
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


async def record(
    *,
    session: AsyncSession,
    runtime: Runtime,
    referral: Referral,
    action: str,
    previous: str | None,
    actor: Principal | str,
) -> None:
    """The history row, audit entry and event of one change."""
    sub, org = (actor.sub, actor.org_id) if isinstance(actor, Principal) else (actor, None)
    await repository.add_history(
        session=session,
        values={
            "referral_id": referral.id,
            "version": referral.version,
            "action": action,
            "from_status": previous,
            "to_status": referral.status,
            "business_status": referral.business_status,
            "actor_sub": sub,
            "actor_organization_id": org,
            "at": referral.updated_at,
        },
    )
    await audit.record(
        session=session,
        actor=actor,
        action=f"referral.{action}",
        entity="referral",
        entity_id=referral.id,
        detail={"from": previous, "to": referral.status, "version": referral.version},
    )
    await runtime.outbox.add(
        session, _event(referral=referral, action=action, previous=previous), subject=referral.id
    )


def _refused(error: lifecycle.TransitionRefused) -> HarbourError:
    """The problem a refused transition answers with."""
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
    *,
    session: AsyncSession,
    runtime: Runtime,
    actor: Principal | str,
    referral_id: str,
    action: Action,
    step: Step = Step(),
    expected_version: int | None = None,
) -> Referral:
    """Applies one lifecycle action for a principal (or the system, as a string)."""
    if isinstance(actor, Principal):
        if action in BY_ITSELF:
            raise Forbidden("Harbour does that by itself.", code="wrong-actor")
        referral, side = await access.visible(
            session=session, principal=actor, referral_id=referral_id, lock=True
        )
        if action == Action.ENTER_IN_ERROR and actor.has_role(Role.NETWORK_ADMIN):
            side = Actor.NETWORK_ADMIN
        # Only a network admin sees a referral it is no party to.
        side = side or Actor.NETWORK_ADMIN
    else:
        found = await repository.get(session=session, referral_id=referral_id, lock=True)
        if found is None:
            raise NotFound("No such referral.")
        referral, side = found, Actor.SYSTEM
    return await apply(
        session=session,
        runtime=runtime,
        referral=referral,
        action=action,
        side=side,
        actor=actor,
        step=step,
        expected_version=expected_version,
    )


async def apply(
    *,
    session: AsyncSession,
    runtime: Runtime,
    referral: Referral,
    action: Action,
    side: Actor,
    actor: Principal | str,
    step: Step = Step(),
    expected_version: int | None = None,
) -> Referral:
    """Moves the referral on as the lifecycle allows `side` to, and records the change."""
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
    values: dict[str, Any] = {
        "status": outcome.status.value,
        "business_status": outcome.business_status,
        "version": version + 1,
        "updated_at": now,
    }
    if action == Action.SEND:
        values.update(
            await sharing.send_changes(session=session, runtime=runtime, referral=referral, now=now)
        )
    elif action == Action.ACKNOWLEDGE:
        values.update(ack_due_at=None, acknowledged_at=now)
    elif action == Action.ACCEPT:
        values.update(ack_due_at=None, accept_due_at=None, accepted_at=now, assignee=step.assignee)
    if outcome.status in lifecycle.TERMINAL:
        values.update(ack_due_at=None, accept_due_at=None, closed_at=now)
        text = step.outcome or step.text
        if text:
            values["outcome_enc"] = runtime.cipher.encrypt(
                text, context=f"referral:{referral.id}:outcome"
            )
    if not await repository.update_if_version(
        session=session, referral=referral, version=version, changes=values
    ):
        raise Conflict("The referral changed meanwhile; reload and retry.", code="version-conflict")
    await record(
        session=session,
        runtime=runtime,
        referral=referral,
        action=action.value,
        previous=previous,
        actor=actor,
    )
    return referral
