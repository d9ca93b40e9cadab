"""The write API: org admins keep their own listings, network admins import HSDS data."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from harbour_directory.hsds.ingest import KINDS, Batch
from harbour_directory.hsds.schemas import Organization
from harbour_directory.hsds.schemas import Service as ServicePublic
from harbour_directory.listings import service
from harbour_directory.listings.schemas import ImportSummary, IntakePublic
from harbour_directory.settings import settings_of
from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_kit.service import Service

router = APIRouter()
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN, Role.NETWORK_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
Document = Annotated[dict[str, Any], Body()]
RecordT = TypeVar("RecordT", bound=BaseModel)
# The upload is read as raw bytes, whatever its content type.
PACKAGE = {
    "required": True,
    "description": "A zip of the HSDS tabular package (CSV files, datapackage.json)",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}


async def _import(*, svc: Service, batch: Batch, by: Principal) -> ImportSummary:
    """Saves an imported batch in one transaction."""
    async with svc.uow() as session:
        return await service.import_batch(
            session=session,
            outbox=svc.outbox,
            batch=batch,
            principal=by,
            time_zone=settings_of(svc).time_zone,
        )


async def _replace(
    *, svc: Service, batch: Batch, model: type[RecordT], record_id: str, by: Principal
) -> RecordT:
    """Saves a record sent to its own path in one transaction and returns it as saved."""
    async with svc.uow() as session:
        return await service.replace(
            session=session,
            outbox=svc.outbox,
            batch=batch,
            model=model,
            record_id=record_id,
            principal=by,
            time_zone=settings_of(svc).time_zone,
        )


@router.post(
    "/import",
    summary="Import HSDS 3.0 JSON (network admins)",
    tags=["portability"],
    responses=problem_responses(401, 403, 422),
)
async def import_json(
    svc: ServiceDep,
    principal: NetworkAdmin,
    kind: Annotated[str, Query(description=f"One of {', '.join(KINDS)}")],
    payload: Annotated[Any, Body()],
) -> ImportSummary:
    return await _import(
        svc=svc, batch=service.documents_batch(kind=kind, payload=payload), by=principal
    )


@router.post(
    "/import/tabular",
    summary="Import an HSDS 3.0 CSV datapackage (zip)",
    tags=["portability"],
    responses=problem_responses(401, 403, 422),
    openapi_extra={"requestBody": PACKAGE},
)
async def import_tabular(
    request: Request, svc: ServiceDep, principal: NetworkAdmin
) -> ImportSummary:
    return await _import(
        svc=svc, batch=service.package_batch(data=await request.body()), by=principal
    )


@router.put(
    "/organizations/{organization_id}",
    summary="Create or replace an organization",
    tags=["manage"],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
async def put_organization(
    organization_id: str, document: Document, principal: OrgAdmin, svc: ServiceDep
) -> Organization:
    batch = service.organization_batch(
        organization_id=organization_id, document=document, principal=principal
    )
    return await _replace(
        svc=svc, batch=batch, model=Organization, record_id=organization_id, by=principal
    )


@router.put(
    "/services/{service_id}",
    summary="Create or replace a service (org admins, own organisation)",
    tags=["manage"],
    response_model_exclude_unset=True,
    responses=problem_responses(401, 403, 422),
)
async def put_service(
    service_id: str, document: Document, principal: OrgAdmin, svc: ServiceDep
) -> ServicePublic:
    batch = service.service_batch(service_id=service_id, document=document, principal=principal)
    return await _replace(
        svc=svc, batch=batch, model=ServicePublic, record_id=service_id, by=principal
    )


@router.delete(
    "/services/{service_id}",
    status_code=204,
    summary="Remove a service",
    tags=["manage"],
    responses=problem_responses(401, 403, 404),
)
async def delete_service(service_id: str, principal: OrgAdmin, svc: ServiceDep) -> Response:
    async with svc.uow() as session:
        await service.remove_service(
            session=session, outbox=svc.outbox, service_id=service_id, principal=principal
        )
    return Response(status_code=204)


@router.patch(
    "/services/{service_id}/intake",
    summary="Update intake capacity",
    tags=["manage"],
    responses=problem_responses(401, 403, 404, 422),
)
async def patch_intake(
    service_id: str, intake: Document, principal: OrgAdmin, svc: ServiceDep
) -> IntakePublic:
    async with svc.uow() as session:
        return await service.update_intake(
            session=session,
            outbox=svc.outbox,
            service_id=service_id,
            intake=intake,
            principal=principal,
        )
