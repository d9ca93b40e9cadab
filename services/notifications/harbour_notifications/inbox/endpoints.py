"""The inbox API: list, unread count, mark read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_kit.errors import Forbidden, NotFound
from harbour_notifications.inbox import repository

router = APIRouter(tags=["inbox"])


class InboxItemPublic(BaseModel):
    """An inbox item as its reader sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title: str
    reference: str
    link: str
    created_at: datetime
    read_at: datetime | None


class Inbox(BaseModel):
    """A page of the caller's inbox."""

    unread_count: int
    items: list[InboxItemPublic]


@router.get("/inbox", summary="My organisation's inbox, newest first")
async def get_inbox(
    svc: ServiceDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread_only: Annotated[bool, Query()] = False,
) -> Inbox:
    if principal.org_id is None:
        return Inbox(unread_count=0, items=[])
    async with svc.factory() as session:
        items, unread = await repository.list_items(
            session=session,
            organization_id=principal.org_id,
            roles=principal.roles,
            limit=limit,
            unread_only=unread_only,
        )
    return Inbox(unread_count=unread, items=[InboxItemPublic.model_validate(i) for i in items])


@router.post("/inbox/{item_id}/read", summary="Mark one item read")
async def mark_read(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    async with svc.uow() as session:
        item = await repository.get_item(session=session, item_id=item_id)
        if item is None:
            raise NotFound("No such inbox item.")
        if item.organization_id != principal.org_id or not principal.has_role(item.audience_role):
            raise Forbidden("This item belongs to someone else.", code="wrong-organisation")
        item.read_at = item.read_at or datetime.now(UTC)
        session.add(item)
    return InboxItemPublic.model_validate(item)
