"""Rules of the change history: who may read a listing's history, and reverting a change.

A revert puts the changed fields back as they were before the change, through the same save
every edit goes through, and is itself recorded as a change.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.history import recording, repository
from harbour_directory.history.schemas import ListingChange, ListingHistory
from harbour_directory.hsds.ingest import ingest_documents
from harbour_directory.listings import service as listings
from harbour_kit.auth import Principal
from harbour_kit.errors import NotFound
from harbour_kit.events.outbox import Outbox


async def history(
    *, session: AsyncSession, service_id: str, principal: Principal
) -> ListingHistory:
    """A listing's changes, for its organisation's admins and network admins."""
    await listings.owned_service(session=session, service_id=service_id, principal=principal)
    rows = await repository.changes_of(session=session, service_id=service_id)
    return ListingHistory(
        service_id=service_id, changes=[ListingChange.model_validate(r) for r in rows]
    )


def _restored(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The current document with the change's fields as they were before it."""
    document = dict(current)
    for name in set(change["before"]) | set(change["after"]):
        if name in change["before"]:
            document[name] = change["before"][name]
        else:
            document.pop(name, None)
    return document


async def revert(
    *,
    session: AsyncSession,
    outbox: Outbox,
    service_id: str,
    change_id: str,
    principal: Principal,
    time_zone: str,
) -> ListingChange:
    """Restores the fields a change touched to their values before it, as a new change."""
    await listings.owned_service(session=session, service_id=service_id, principal=principal)
    change = await repository.change(session=session, change_id=change_id)
    if change is None or change["service_id"] != service_id:
        raise NotFound("No such change of this listing.")
    before = await recording.snapshot(session=session, service_ids=[service_id])
    batch = ingest_documents("service", [_restored(before[service_id], change)], strict=True)
    await listings.save(session, outbox, batch, principal=principal, time_zone=time_zone)
    after = await recording.snapshot(session=session, service_ids=[service_id])
    recorded = await recording.record(
        session=session,
        principal=principal,
        before=before,
        after=after,
        action="revert",
        reverts=change_id,
    )
    if not recorded:
        raise NotFound("The listing already has the values from before that change.")
    made = await repository.change(session=session, change_id=recorded[0])
    assert made is not None
    return ListingChange.model_validate(made)
