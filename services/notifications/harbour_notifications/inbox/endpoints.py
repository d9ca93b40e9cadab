"""The inbox API: list, unread count, mark read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_notifications.inbox import repository, service
from harbour_notifications.inbox.schemas import Inbox, InboxItemPublic

router = APIRouter(tags=["inbox"])


@router.get("/inbox", summary="My organisation's inbox, newest first")
async def get_inbox(
    svc: ServiceDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread_only: Annotated[bool, Query()] = False,
    include_archived: Annotated[bool, Query()] = False,
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
            include_archived=include_archived,
        )
    return Inbox(unread_count=unread, items=[InboxItemPublic.model_validate(i) for i in items])


@router.post("/inbox/{item_id}/read", summary="Mark one item read")
async def mark_read(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    async with svc.uow() as session:
        item = await service.mark_read(session=session, principal=principal, item_id=item_id)
    return InboxItemPublic.model_validate(item)


@router.post("/inbox/{item_id}/seen", summary="Mark one item seen")
async def mark_seen(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    async with svc.uow() as session:
        item = await service.mark(
            session=session, principal=principal, item_id=item_id, what="seen"
        )
    return InboxItemPublic.model_validate(item)


@router.post("/inbox/{item_id}/archive", summary="Archive one item")
async def archive(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    async with svc.uow() as session:
        item = await service.mark(
            session=session, principal=principal, item_id=item_id, what="archive"
        )
    return InboxItemPublic.model_validate(item)


@router.post("/inbox/read-all", summary="Mark everything I can see read")
async def read_all(svc: ServiceDep, principal: CurrentPrincipal) -> dict[str, int]:
    async with svc.uow() as session:
        marked = await service.mark_all_read(session=session, principal=principal)
    return {"marked": marked}
