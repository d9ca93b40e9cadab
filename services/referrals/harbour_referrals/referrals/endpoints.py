"""The referrals REST API: create, act, read (audited), notes, lists with cursor paging."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import and_, or_
from sqlmodel import col, select

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal, Principal, Role, require_roles
from harbour_kit.errors import Forbidden, ValidationFailed
from harbour_referrals import audit, lifecycle
from harbour_referrals.lifecycle import Action, Status, Step
from harbour_referrals.models import Note, Referral, ReferralHistory
from harbour_referrals.referrals import service
from harbour_referrals.referrals.schemas import (
    ForwardIn,
    NoteIn,
    ReferralIn,
    RerouteIn,
    TransitionIn,
)
from harbour_referrals.runtime import Runtime, runtime_of

router = APIRouter(tags=["referrals"])
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
IfMatch = Annotated[str | None, Header(description="The referral version you last saw (its ETag)")]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def version_of(if_match: str | None) -> int | None:
    """The version in an If-Match header (`"3"`, `W/"3"` or `3`)."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed(
            "If-Match must hold the referral's version.",
            errors=[{"field": "If-Match", "message": 'must be a version number such as "3"'}],
        )
    return int(text)


def view(referral: Referral, principal: Principal, runtime: Runtime) -> dict[str, Any]:
    """A referral without claimant details, with what this caller may do next."""
    side = service.side_of(principal, referral)
    actions: list[str] = []
    if side is not None:
        actions = [a.value for a in lifecycle.allowed_actions(Status(referral.status), side)]
        actions = [a for a in actions if a not in ("expire", "withdraw-consent")]
    if principal.has_role(Role.NETWORK_ADMIN) and referral.status != Status.ENTERED_IN_ERROR:
        actions.append(Action.ENTER_IN_ERROR.value)
    outcome = None
    if side is not None and referral.outcome_enc and referral.purged_at is None:
        outcome = runtime.cipher.decrypt(
            referral.outcome_enc, context=f"referral:{referral.id}:outcome"
        )
    return {
        "id": referral.id,
        "reference": referral.reference,
        "version": referral.version,
        "status": referral.status,
        "business_status": referral.business_status,
        "purpose": referral.purpose,
        "urgency": referral.urgency,
        "service_id": referral.service_id,
        "referrer_organization_id": referral.referrer_organization_id,
        "recipient_organization_id": referral.recipient_organization_id,
        "recipient_worker": referral.recipient_worker,
        "assignee": referral.assignee,
        "candidates": referral.candidates,
        "replaces_id": referral.replaces_id,
        "link_kind": referral.link_kind,
        "consent_id": referral.consent_id,
        "created_at": _iso(referral.created_at),
        "updated_at": _iso(referral.updated_at),
        "sent_at": _iso(referral.sent_at),
        "acknowledge_by": _iso(referral.ack_due_at),
        "decide_by": _iso(referral.accept_due_at),
        "closed_at": _iso(referral.closed_at),
        "outcome": outcome,
        "side": side.value if side else None,
        "allowed_actions": actions,
    }


def _etag(response: Response, referral: Referral) -> None:
    response.headers["ETag"] = f'"{referral.version}"'


@router.post("/referrals", status_code=201, summary="Create a referral (idempotent)")
async def create_referral(
    body: ReferralIn,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        referral, created = await service.create(
            session, runtime, principal, body, idempotency_key=idempotency_key
        )
        if not created:
            response.status_code = 200
        _etag(response, referral)
        return view(referral, principal, runtime)


def _cursor(referral: Referral) -> str:
    raw = f"{referral.created_at.isoformat()}|{referral.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(cursor: str) -> tuple[datetime, str]:
    try:
        created, referral_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), referral_id
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "The cursor is not one this API gave out.",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None


@router.get("/referrals", summary="My organisation's sent referrals or inbox")
async def list_referrals(
    principal: CurrentPrincipal,
    svc: ServiceDep,
    box: Annotated[str, Query(pattern="^(sent|inbox)$")] = "inbox",
    status: Annotated[str | None, Query(description="Statuses, comma-separated")] = None,
    ids: Annotated[str | None, Query(description="Comma-separated ids")] = None,
    cursor: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    column = (
        Referral.referrer_organization_id if box == "sent" else Referral.recipient_organization_id
    )
    query = select(Referral).where(column == principal.org_id)
    if box == "inbox":
        query = query.where(col(Referral.status) != Status.DRAFT.value)
    if status:
        wanted = [s for s in status.split(",") if s]
        unknown = sorted(set(wanted) - {s.value for s in Status})
        if unknown:
            raise ValidationFailed(
                "Unknown status.", errors=[{"field": "status", "message": f"unknown: {unknown}"}]
            )
        query = query.where(col(Referral.status).in_(wanted))
    if ids is not None:
        query = query.where(col(Referral.id).in_([i for i in ids.split(",") if i]))
    if cursor:
        created, referral_id = _after(cursor)
        query = query.where(
            or_(
                col(Referral.created_at) < created,
                and_(col(Referral.created_at) == created, col(Referral.id) < referral_id),
            )
        )
    query = query.order_by(col(Referral.created_at).desc(), col(Referral.id).desc()).limit(
        limit + 1
    )
    async with svc.factory() as session:
        rows = list((await session.exec(query)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [{**view(r, principal, runtime), "cursor": _cursor(r)} for r in rows],
        "next_cursor": _cursor(rows[-1]) if more and rows else None,
    }


@router.get("/referrals/{referral_id}", summary="One referral with its history")
async def get_referral(
    referral_id: str, principal: CurrentPrincipal, svc: ServiceDep, response: Response
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.factory() as session:
        referral, _ = await service.readable(session, principal, referral_id)
        history = (
            await session.exec(
                select(ReferralHistory)
                .where(ReferralHistory.referral_id == referral.id)
                .order_by(col(ReferralHistory.version))
            )
        ).all()
    _etag(response, referral)
    return {
        **view(referral, principal, runtime),
        "history": [
            {
                "version": h.version,
                "action": h.action,
                "from": h.from_status,
                "to": h.to_status,
                "business_status": h.business_status,
                "actor": h.actor_sub,
                "actor_organization_id": h.actor_organization_id,
                "at": _iso(h.at),
            }
            for h in history
        ],
    }


@router.post("/referrals/{referral_id}/actions/{action}", summary="Move a referral on")
async def act(
    referral_id: str,
    action: Action,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    response: Response,
    if_match: IfMatch = None,
    body: TransitionIn | None = None,
) -> dict[str, Any]:
    if action in (Action.EXPIRE, Action.WITHDRAW_CONSENT):
        raise Forbidden("Harbour does that by itself.", code="wrong-actor")
    runtime = runtime_of(svc)
    step = Step(**(body or TransitionIn()).model_dump())
    async with svc.uow() as session:
        referral = await service.transition(
            session,
            runtime,
            principal,
            referral_id,
            action,
            step,
            expected_version=version_of(if_match),
        )
        _etag(response, referral)
        return view(referral, principal, runtime)


@router.post(
    "/referrals/{referral_id}/forward", status_code=201, summary="Forward to another partner"
)
async def forward(
    referral_id: str,
    body: ForwardIn,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        new = await service.forward(
            session,
            runtime,
            principal,
            referral_id,
            service_id=body.service_id,
            expected_version=version_of(if_match),
        )
        return view(new, principal, runtime)


@router.post(
    "/referrals/{referral_id}/reroute", status_code=201, summary="Refer again after a decline"
)
async def reroute(
    referral_id: str, body: RerouteIn, principal: CurrentPrincipal, svc: ServiceDep
) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        old, side = await service.readable(session, principal, referral_id)
        if side != lifecycle.Actor.REFERRER:
            raise Forbidden("Only the referring organisation re-routes.", code="wrong-actor")
        if old.status not in (Status.REJECTED, Status.CANCELLED):
            raise ValidationFailed(
                "Only a declined or cancelled referral is re-routed.",
                code="transition-not-allowed",
                errors=[{"field": "status", "message": f"is {old.status}"}],
            )
        new = await service.reroute(
            session, runtime, principal, old, service_id=body.service_id, kind="re-route"
        )
        if new is None:
            raise ValidationFailed(
                "No candidate service is left to try.",
                errors=[{"field": "service_id", "message": "give a service to refer to"}],
            )
        return view(new, principal, runtime)


@router.get(
    "/referrals/{referral_id}/claimant", summary="What was shared about the claimant (audited)"
)
async def shared(referral_id: str, principal: CurrentPrincipal, svc: ServiceDep) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        referral, side = await service.readable(session, principal, referral_id)
        if side is None:
            raise Forbidden("Only the two organisations of a referral see its claimant.")
        if (
            side == lifecycle.Actor.RECIPIENT
            and Status(referral.status) not in lifecycle.VISIBLE_TO_RECIPIENT
        ):
            raise Forbidden(
                "This referral is no longer open to your organisation.", code="access-ended"
            )
        if referral.purged_at is not None:
            raise Forbidden(
                "The claimant's details were purged under the retention policy.", code="purged"
            )
        await audit.record(
            session,
            actor=principal,
            action="claimant.read",
            entity="referral",
            entity_id=referral.id,
            detail={"side": side.value},
        )
        details = service.shared_details(runtime, referral)
    return {"referral_id": referral.id, "shared": details}


@router.get("/referrals/{referral_id}/notes", summary="The referral's messages (audited)")
async def notes(referral_id: str, principal: CurrentPrincipal, svc: ServiceDep) -> dict[str, Any]:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        referral, side = await service.readable(session, principal, referral_id)
        if side is None or (
            side == lifecycle.Actor.RECIPIENT
            and Status(referral.status) not in lifecycle.VISIBLE_TO_RECIPIENT
        ):
            raise Forbidden("This referral is not open to your organisation.", code="access-ended")
        rows = (
            await session.exec(
                select(Note).where(Note.referral_id == referral.id).order_by(col(Note.created_at))
            )
        ).all()
        await audit.record(
            session, actor=principal, action="notes.read", entity="referral", entity_id=referral.id
        )
    return {
        "items": [
            {
                "id": n.id,
                "author": n.author_sub,
                "author_organization_id": n.author_organization_id,
                "body": runtime.cipher.decrypt(n.body_enc, context=f"note:{n.id}"),
                "created_at": _iso(n.created_at),
            }
            for n in rows
        ]
    }


@router.post("/referrals/{referral_id}/notes", status_code=201, summary="Add a message")
async def add_note(
    referral_id: str, body: NoteIn, principal: CurrentPrincipal, svc: ServiceDep
) -> dict[str, Any]:
    async with svc.uow() as session:
        note = await service.add_note(session, runtime_of(svc), principal, referral_id, body.body)
    return {"id": note.id, "created_at": _iso(note.created_at)}


@router.get("/audit/verify", summary="Check the audit log's hash chain (network admins)")
async def verify_audit(_: NetworkAdmin, svc: ServiceDep) -> dict[str, Any]:
    async with svc.factory() as session:
        result = await audit.verify(session)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
    }
