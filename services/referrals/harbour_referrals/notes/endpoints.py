"""Notes over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_kit.errors import problem_responses
from harbour_referrals.notes import service
from harbour_referrals.notes.schemas import NoteAdded, NoteIn, Notes
from harbour_referrals.runtime import runtime_of

router = APIRouter(tags=["referrals"])


@router.get(
    "/referrals/{referral_id}/notes",
    summary="The referral's messages (audited)",
    responses=problem_responses(401, 403, 404),
)
async def notes(referral_id: str, principal: CurrentPrincipal, svc: ServiceDep) -> Notes:
    async with svc.uow() as session:
        items = await service.read_notes(
            session=session,
            cipher=runtime_of(svc).cipher,
            principal=principal,
            referral_id=referral_id,
        )
    return Notes(items=items)


@router.post(
    "/referrals/{referral_id}/notes",
    status_code=201,
    summary="Add a message",
    responses=problem_responses(401, 403, 404, 422),
)
async def add_note(
    referral_id: str, body: NoteIn, principal: CurrentPrincipal, svc: ServiceDep
) -> NoteAdded:
    async with svc.uow() as session:
        note = await service.add_note(
            session=session,
            cipher=runtime_of(svc).cipher,
            principal=principal,
            referral_id=referral_id,
            body=body.body,
        )
    return NoteAdded(id=note.id, created_at=note.created_at)
