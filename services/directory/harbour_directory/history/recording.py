"""Recording edits: a listing's fields before and after, as its admins see the document.

Kept apart from `service.py` so `listings.service` can record without importing the revert rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.history import repository
from harbour_directory.hsds import render
from harbour_directory.hsds import service as hsds_service
from harbour_directory.hsds.schemas import Service as ServiceDocument
from harbour_kit.auth import Principal, Role
from harbour_kit.errors import NotFound

# Bookkeeping every save changes: not something an admin edited.
UNTRACKED = frozenset({"id", "last_modified", "version"})


def tracked(principal: Principal | None) -> bool:
    """Organisation admins' edits are recorded; network admins record their reverts themselves."""
    return (
        principal is not None
        and principal.has_role(Role.ORG_ADMIN)
        and not principal.has_role(Role.NETWORK_ADMIN)
    )


async def snapshot(
    *, session: AsyncSession, service_ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The listings as their admins see them (fully nested), by id; missing ones left out."""
    documents: dict[str, dict[str, Any]] = {}
    for service_id in sorted(set(service_ids)):
        try:
            found = await hsds_service.record(
                session=session,
                model=ServiceDocument,
                record_id=service_id,
                who=render.Viewer(public=False),
            )
        except NotFound:
            continue
        document = found.model_dump(mode="json", exclude_unset=True)
        if isinstance(document.get("intake"), dict):
            document["intake"].pop("updated_at", None)  # stamped by every save, edited by none
        documents[service_id] = document
    return documents


def difference(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The top-level fields that changed, before and after (absent fields left out)."""
    names = sorted((set(before) | set(after)) - UNTRACKED)
    changed = [n for n in names if before.get(n) != after.get(n)]
    return (
        {n: before[n] for n in changed if n in before},
        {n: after[n] for n in changed if n in after},
    )


async def record(
    *,
    session: AsyncSession,
    principal: Principal,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    action: str = "edit",
    reverts: str | None = None,
) -> list[str]:
    """Records one change per listing whose fields differ; returns the new change ids."""
    at = datetime.now(UTC)
    recorded: list[str] = []
    for service_id in sorted(set(before) | set(after)):
        old, new = difference(before.get(service_id, {}), after.get(service_id, {}))
        if not old and not new:
            continue
        document = after.get(service_id) or before[service_id]
        change_id = str(uuid.uuid4())
        await repository.add(
            session=session,
            change_id=change_id,
            service_id=service_id,
            organization_id=str(document.get("organization_id") or ""),
            subject=principal.sub,
            actor_organization_id=principal.org_id,
            role=Role.NETWORK_ADMIN.value if action == "revert" else Role.ORG_ADMIN.value,
            action=action,
            reverts=reverts,
            at=at,
            before=old,
            after=new,
        )
        recorded.append(change_id)
    return recorded
