"""The profile API: how I am reached (`/me`) and my choices (`/me/preferences`)."""

from __future__ import annotations

from fastapi import APIRouter

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal
from harbour_kit.errors import problem_responses
from harbour_notifications import templates
from harbour_notifications.profile import repository, service
from harbour_notifications.profile.schemas import (
    Mandatory,
    PreferenceChange,
    PreferencePublic,
    Preferences,
    ProfilePublic,
    ProfileUpdate,
)

router = APIRouter(tags=["recipients"])


@router.get("/me", summary="My notification profile", responses=problem_responses(401))
async def get_me(principal: CurrentPrincipal, svc: ServiceDep) -> ProfilePublic:
    async with svc.uow() as session:
        person = await service.me(session=session, principal=principal)
        return ProfilePublic.model_validate(person)


@router.put("/me", summary="Set how I am reached", responses=problem_responses(401, 422))
async def put_me(
    body: ProfileUpdate, principal: CurrentPrincipal, svc: ServiceDep
) -> ProfilePublic:
    async with svc.uow() as session:
        person = await service.update(
            session=session, principal=principal, changes=body.model_dump(exclude_unset=True)
        )
        return ProfilePublic.model_validate(person)


@router.get(
    "/me/preferences",
    summary="My choices per type and channel",
    responses=problem_responses(401),
)
async def get_preferences(principal: CurrentPrincipal, svc: ServiceDep) -> Preferences:
    async with svc.factory() as session:
        rows = await repository.preferences_of(session=session, sub=principal.sub)
    return Preferences(
        items=[PreferencePublic.model_validate(row) for row in rows],
        mandatory=[Mandatory(kind=k, channel=c) for k, c in sorted(service.MANDATORY)],
        kinds=list(templates.TYPES),
    )


@router.put("/me/preferences", summary="Change my choices", responses=problem_responses(401, 422))
async def put_preferences(
    body: list[PreferenceChange], principal: CurrentPrincipal, svc: ServiceDep
) -> Preferences:
    async with svc.uow() as session:
        await service.choose(session=session, principal=principal, choices=body)
    return await get_preferences(principal, svc)
