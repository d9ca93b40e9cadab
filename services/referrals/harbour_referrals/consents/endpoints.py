"""Claimants and consents over HTTP (social workers of the referring organisation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_referrals.consents import service
from harbour_referrals.consents.schemas import (
    ClaimantDetails,
    ClaimantPublic,
    ClaimantRecorded,
    ConsentIn,
    ConsentPublic,
    Consents,
    ConsentWithdrawal,
)
from harbour_referrals.referrals import service as referrals
from harbour_referrals.runtime import runtime_of

router = APIRouter(tags=["consent"])
SocialWorker = Annotated[Principal, Depends(require_roles(Role.SOCIAL_WORKER))]


@router.post(
    "/claimants",
    status_code=201,
    summary="Record a claimant (encrypted)",
    responses=problem_responses(401, 403, 422),
)
async def create_claimant(
    details: ClaimantDetails, principal: SocialWorker, svc: ServiceDep
) -> ClaimantRecorded:
    async with svc.uow() as session:
        claimant_id = await service.record_claimant(
            session=session, cipher=runtime_of(svc).cipher, principal=principal, details=details
        )
    return ClaimantRecorded(id=claimant_id)


@router.get(
    "/claimants/{claimant_id}",
    summary="A claimant's details (audited)",
    responses=problem_responses(401, 403, 404),
)
async def read_claimant(
    claimant_id: str, principal: SocialWorker, svc: ServiceDep
) -> ClaimantPublic:
    async with svc.uow() as session:
        return await service.read_claimant(
            session=session,
            cipher=runtime_of(svc).cipher,
            principal=principal,
            claimant_id=claimant_id,
        )


@router.post(
    "/consents",
    status_code=201,
    summary="Record a claimant's consent",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_consent(
    body: ConsentIn, principal: SocialWorker, svc: ServiceDep
) -> ConsentPublic:
    async with svc.uow() as session:
        consent = await service.record_consent(session=session, principal=principal, body=body)
        return service.public(consent)


@router.get(
    "/consents",
    summary="Consents of one claimant",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_consents(
    principal: SocialWorker, svc: ServiceDep, claimant_id: Annotated[str, Query()]
) -> Consents:
    async with svc.factory() as session:
        rows = await service.consents_of(
            session=session, principal=principal, claimant_id=claimant_id
        )
        return Consents(items=[service.public(c) for c in rows])


@router.post(
    "/consents/{consent_id}/withdraw",
    summary="Withdraw a consent",
    responses=problem_responses(401, 403, 404, 409),
)
async def withdraw_consent(
    consent_id: str, principal: SocialWorker, svc: ServiceDep
) -> ConsentWithdrawal:
    async with svc.uow() as session:
        consent, cancelled = await referrals.withdraw_consent(
            session=session, runtime=runtime_of(svc), principal=principal, consent_id=consent_id
        )
        return ConsentWithdrawal(
            **service.public(consent).model_dump(), cancelled_referral_ids=cancelled
        )
