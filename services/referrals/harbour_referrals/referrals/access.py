"""Who may see a referral, and what of it: the one place that decides.

The two organisations of a referral see it: the referrer's social workers and the recipient's
partner staff and admins. Network admins see every referral, but not its claimant or notes.
The receiving organisation sees the claimant and the notes only while the referral is open to it.
Anyone else is told the referral does not exist.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal, Role
from harbour_kit.crypto import FieldCipher
from harbour_kit.errors import Forbidden, NotFound, ValidationFailed
from harbour_referrals import lifecycle
from harbour_referrals.lifecycle import Action, Actor, Status
from harbour_referrals.models import Referral
from harbour_referrals.referrals import repository
from harbour_referrals.referrals.schemas import (
    HistoryEntry,
    ReferralDetail,
    ReferralListItem,
    ReferralPage,
    ReferralPublic,
)


def side_of(*, principal: Principal, referral: Referral) -> Actor | None:
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


async def visible(
    *,
    session: AsyncSession,
    principal: Principal,
    referral_id: str,
    details: bool = False,
    lock: bool = False,
) -> tuple[Referral, Actor | None]:
    """The referral and the caller's side, if the caller may see it (`details`: claimant, notes)."""
    referral = await repository.get(session=session, referral_id=referral_id, lock=lock)
    side = side_of(principal=principal, referral=referral) if referral else None
    if referral is None or (side is None and not principal.has_role(Role.NETWORK_ADMIN)):
        raise NotFound("No such referral.")
    if details and side is None:
        raise Forbidden("Only the two organisations of a referral see its claimant and notes.")
    if (
        details
        and side == Actor.RECIPIENT
        and Status(referral.status) not in lifecycle.VISIBLE_TO_RECIPIENT
    ):
        raise Forbidden(
            "This referral is no longer open to your organisation.", code="access-ended"
        )
    return referral, side


def view(*, principal: Principal, referral: Referral, cipher: FieldCipher) -> ReferralPublic:
    """A referral as this caller sees it, with what the caller may do next."""
    side = side_of(principal=principal, referral=referral)
    status = Status(referral.status)
    actions = lifecycle.allowed_actions(status, side) if side is not None else []
    if principal.has_role(Role.NETWORK_ADMIN) and status != Status.ENTERED_IN_ERROR:
        actions.append(Action.ENTER_IN_ERROR)
    outcome = None
    if side is not None and referral.purged_at is None:
        outcome = cipher.decrypt(referral.outcome_enc, context=f"referral:{referral.id}:outcome")
    return ReferralPublic.model_validate(
        {
            **referral.model_dump(),
            "acknowledge_by": referral.ack_due_at,
            "decide_by": referral.accept_due_at,
            "outcome": outcome,
            "side": side,
            "allowed_actions": actions,
        }
    )


async def detail(
    *, session: AsyncSession, principal: Principal, referral_id: str, cipher: FieldCipher
) -> ReferralDetail:
    """A referral the caller may see, with its history."""
    referral, _ = await visible(session=session, principal=principal, referral_id=referral_id)
    rows = await repository.history(session=session, referral_id=referral.id)
    history = [
        HistoryEntry.model_validate(
            {
                **row.model_dump(),
                "from": row.from_status,
                "to": row.to_status,
                "actor": row.actor_sub,
            }
        )
        for row in rows
    ]
    shown = view(principal=principal, referral=referral, cipher=cipher)
    return ReferralDetail.model_validate({**shown.model_dump(), "history": history})


def _cursor(referral: Referral) -> str:
    """Where a list goes on after this referral."""
    raw = f"{referral.created_at.isoformat()}|{referral.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(cursor: str) -> tuple[datetime, str]:
    """The creation time and id a cursor points after (422 for one this API did not give)."""
    try:
        created, referral_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), referral_id
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "The cursor is not one this API gave out.",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None


async def page(
    *,
    session: AsyncSession,
    principal: Principal,
    cipher: FieldCipher,
    box: repository.Box,
    statuses: list[str] | None,
    ids: list[str] | None,
    cursor: str | None,
    limit: int,
) -> ReferralPage:
    """One page of the referrals the caller's organisation sent or received, newest first."""
    unknown = sorted(set(statuses or ()) - {s.value for s in Status})
    if unknown:
        raise ValidationFailed(
            "Unknown status.", errors=[{"field": "status", "message": f"unknown: {unknown}"}]
        )
    rows = await repository.page(
        session=session,
        organization_id=principal.org_id,
        box=box,
        statuses=statuses,
        ids=ids,
        after=_after(cursor) if cursor else None,
        limit=limit + 1,
    )
    items = [
        ReferralListItem.model_validate(
            {
                **view(principal=principal, referral=r, cipher=cipher).model_dump(),
                "cursor": _cursor(r),
            }
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return ReferralPage(items=items, next_cursor=items[-1].cursor if more and items else None)
