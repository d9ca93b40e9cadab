"""Rules for notes: either organisation writes and reads them while the referral is open to it."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.crypto import FieldCipher
from harbour_referrals.audit import repository as audit
from harbour_referrals.models import Note
from harbour_referrals.notes import repository
from harbour_referrals.notes.schemas import NotePublic
from harbour_referrals.referrals import access


def _context(note_id: str) -> str:
    """What a note's encrypted body is bound to."""
    return f"note:{note_id}"


async def add_note(
    *,
    session: AsyncSession,
    cipher: FieldCipher,
    principal: Principal,
    referral_id: str,
    body: str,
) -> Note:
    """A message on the referral, from either side while it is open to that side."""
    referral, _ = await access.visible(
        session=session, principal=principal, referral_id=referral_id, details=True
    )
    note = Note(
        id=str(uuid.uuid4()),
        referral_id=referral.id,
        author_sub=principal.sub,
        author_organization_id=principal.org_id,
    )
    note.body_enc = cipher.encrypt(body, context=_context(note.id))
    await repository.add(session=session, note=note)
    await audit.record(
        session=session,
        actor=principal,
        action="note.add",
        entity="referral",
        entity_id=referral.id,
    )
    return note


async def read_notes(
    *, session: AsyncSession, cipher: FieldCipher, principal: Principal, referral_id: str
) -> list[NotePublic]:
    """The referral's messages for either side while it is open to that side; reads are audited."""
    referral, _ = await access.visible(
        session=session, principal=principal, referral_id=referral_id, details=True
    )
    rows = await repository.notes_of(session=session, referral_id=referral.id)
    await audit.record(
        session=session,
        actor=principal,
        action="notes.read",
        entity="referral",
        entity_id=referral.id,
    )
    return [
        NotePublic(
            id=n.id,
            author=n.author_sub,
            author_organization_id=n.author_organization_id,
            body=cipher.decrypt(n.body_enc, context=_context(n.id)),
            created_at=n.created_at,
        )
        for n in rows
    ]
