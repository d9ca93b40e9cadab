"""Checking the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_referrals.audit import repository
from harbour_referrals.audit.schemas import AuditVerification

router = APIRouter(tags=["audit"])
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]


@router.get(
    "/audit/verify",
    summary="Check the audit log's hash chain (network admins)",
    responses=problem_responses(401, 403),
)
async def verify_audit(_: NetworkAdmin, svc: ServiceDep) -> AuditVerification:
    async with svc.factory() as session:
        result = await repository.verify(session=session)
    return AuditVerification.model_validate(result, from_attributes=True)
