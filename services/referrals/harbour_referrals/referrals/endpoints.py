"""The referrals REST API: create, act, forward, re-route, read (audited), lists by cursor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from harbour_kit.auth import CurrentPrincipal, Principal
from harbour_kit.errors import ValidationFailed, problem_responses
from harbour_kit.service import Service
from harbour_referrals.lifecycle import Action, Step
from harbour_referrals.models import Referral
from harbour_referrals.referrals import access, repository, service, sharing, transitions
from harbour_referrals.referrals.schemas import (
    ForwardIn,
    ReferralDetail,
    ReferralIn,
    ReferralPage,
    ReferralPublic,
    RerouteIn,
    SharedClaimant,
    TransitionIn,
)
from harbour_referrals.runtime import Runtime, runtime_of

router = APIRouter(tags=["referrals"])


async def _service(request: Request) -> Service:
    """The running service; a coroutine, so FastAPI calls it on the loop, not in a thread."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(_service)]
IfMatch = Annotated[str | None, Header(description="The referral version you last saw (its ETag)")]
# A replayed create answers 200 with the referral it made the first time.
REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"model": ReferralPublic, "description": "Made before under this Idempotency-Key"}
}


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


def _shown(
    *, response: Response, referral: Referral, principal: Principal, runtime: Runtime
) -> ReferralPublic:
    """The referral as this caller sees it, with its version as the ETag."""
    response.headers["ETag"] = f'"{referral.version}"'
    return access.view(principal=principal, referral=referral, cipher=runtime.cipher)


@router.post(
    "/referrals",
    status_code=201,
    summary="Create a referral (idempotent)",
    responses={**REPLAYED, **problem_responses(401, 403, 404, 409, 422)},
)
async def create_referral(
    body: ReferralIn,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReferralPublic:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        referral, created = await service.create(
            session=session,
            runtime=runtime,
            principal=principal,
            body=body,
            idempotency_key=idempotency_key,
        )
    if not created:
        response.status_code = 200
    # Built after the commit: the answer needs no lock, and the row and connection are freed.
    return _shown(response=response, referral=referral, principal=principal, runtime=runtime)


@router.get(
    "/referrals",
    summary="My organisation's sent referrals or inbox",
    responses=problem_responses(401, 422),
)
async def list_referrals(
    principal: CurrentPrincipal,
    svc: ServiceDep,
    box: Annotated[repository.Box, Query()] = "inbox",
    status: Annotated[str | None, Query(description="Statuses, comma-separated")] = None,
    ids: Annotated[str | None, Query(description="Comma-separated ids")] = None,
    cursor: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReferralPage:
    async with svc.factory() as session:
        return await access.page(
            session=session,
            principal=principal,
            cipher=runtime_of(svc).cipher,
            box=box,
            statuses=[s for s in status.split(",") if s] if status else None,
            ids=[i for i in ids.split(",") if i] if ids is not None else None,
            cursor=cursor,
            limit=limit,
        )


@router.get(
    "/referrals/{referral_id}",
    summary="One referral with its history",
    responses=problem_responses(401, 404),
)
async def get_referral(
    referral_id: str, principal: CurrentPrincipal, svc: ServiceDep, response: Response
) -> ReferralDetail:
    async with svc.factory() as session:
        referral = await access.detail(
            session=session,
            principal=principal,
            referral_id=referral_id,
            cipher=runtime_of(svc).cipher,
        )
    response.headers["ETag"] = f'"{referral.version}"'
    return referral


@router.post(
    "/referrals/{referral_id}/actions/{action}",
    summary="Move a referral on",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def act(
    referral_id: str,
    action: Action,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    response: Response,
    if_match: IfMatch = None,
    body: TransitionIn | None = None,
) -> ReferralPublic:
    runtime = runtime_of(svc)
    expected, step = version_of(if_match), Step(**(body or TransitionIn()).model_dump())
    async with svc.uow() as session:
        referral = await transitions.transition(
            session=session,
            runtime=runtime,
            actor=principal,
            referral_id=referral_id,
            action=action,
            step=step,
            expected_version=expected,
        )
    return _shown(response=response, referral=referral, principal=principal, runtime=runtime)


@router.post(
    "/referrals/{referral_id}/forward",
    status_code=201,
    summary="Forward to another partner",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def forward(
    referral_id: str,
    body: ForwardIn,
    principal: CurrentPrincipal,
    svc: ServiceDep,
    if_match: IfMatch = None,
) -> ReferralPublic:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        new = await service.forward(
            session=session,
            runtime=runtime,
            principal=principal,
            referral_id=referral_id,
            service_id=body.service_id,
            expected_version=version_of(if_match),
        )
        return access.view(principal=principal, referral=new, cipher=runtime.cipher)


@router.post(
    "/referrals/{referral_id}/reroute",
    status_code=201,
    summary="Refer again after a decline",
    responses=problem_responses(401, 403, 404, 422),
)
async def reroute(
    referral_id: str, body: RerouteIn, principal: CurrentPrincipal, svc: ServiceDep
) -> ReferralPublic:
    runtime = runtime_of(svc)
    async with svc.uow() as session:
        new = await service.reroute_declined(
            session=session,
            runtime=runtime,
            principal=principal,
            referral_id=referral_id,
            service_id=body.service_id,
        )
        return access.view(principal=principal, referral=new, cipher=runtime.cipher)


@router.get(
    "/referrals/{referral_id}/claimant",
    summary="What was shared about the claimant (audited)",
    responses=problem_responses(401, 403, 404),
    response_model_exclude_unset=True,  # only the fields of the shared categories
)
async def shared(referral_id: str, principal: CurrentPrincipal, svc: ServiceDep) -> SharedClaimant:
    async with svc.uow() as session:
        return await sharing.read_shared(
            session=session,
            cipher=runtime_of(svc).cipher,
            principal=principal,
            referral_id=referral_id,
        )
