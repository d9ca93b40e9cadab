"""The inbox API: list, unread count, mark seen, read or archived, each title in my locale."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal, Principal
from harbour_kit.errors import problem_responses
from harbour_kit.service import Service
from harbour_notifications.inbox import repository, service
from harbour_notifications.inbox.schemas import Inbox, InboxItemPublic, Marked
from harbour_notifications.models import InboxItem

router = APIRouter(tags=["inbox"])
# Marking someone else's item is a 403, an unknown one a 404.
MARK_PROBLEMS = problem_responses(401, 403, 404)


def _public(item: InboxItem, *, locale: str) -> InboxItemPublic:
    """An item as its reader sees it, the title worded in their locale."""
    title = service.title_in(item, locale=locale)
    return InboxItemPublic.model_validate(item).model_copy(update={"title": title})


@router.get(
    "/inbox",
    summary="My organisation's inbox, newest first",
    responses=problem_responses(401, 422),
)
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
        locale = await service.reader_locale(session=session, principal=principal)
    return Inbox(unread_count=unread, items=[_public(i, locale=locale) for i in items])


async def _mark(*, svc: Service, principal: Principal, item_id: str, what: str) -> InboxItemPublic:
    """Marks one item and shows it as its reader sees it."""
    async with svc.uow() as session:
        item = await service.mark(session=session, principal=principal, item_id=item_id, what=what)
        locale = await service.reader_locale(session=session, principal=principal)
    return _public(item, locale=locale)


@router.post("/inbox/{item_id}/read", summary="Mark one item read", responses=MARK_PROBLEMS)
async def mark_read(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    return await _mark(svc=svc, principal=principal, item_id=item_id, what="read")


@router.post("/inbox/{item_id}/seen", summary="Mark one item seen", responses=MARK_PROBLEMS)
async def mark_seen(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    return await _mark(svc=svc, principal=principal, item_id=item_id, what="seen")


@router.post("/inbox/{item_id}/archive", summary="Archive one item", responses=MARK_PROBLEMS)
async def archive(item_id: str, svc: ServiceDep, principal: CurrentPrincipal) -> InboxItemPublic:
    return await _mark(svc=svc, principal=principal, item_id=item_id, what="archive")


@router.post(
    "/inbox/read-all",
    summary="Mark everything I can see read",
    responses=problem_responses(401),
)
async def read_all(svc: ServiceDep, principal: CurrentPrincipal) -> Marked:
    async with svc.uow() as session:
        marked = await service.mark_all_read(session=session, principal=principal)
    return Marked(marked=marked)
