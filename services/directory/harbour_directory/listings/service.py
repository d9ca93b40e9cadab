"""Rules for changing listings; every change publishes an event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.listings import repository
from harbour_directory.listings.schemas import ServiceCreate, ServiceUpdate
from harbour_directory.models import Service
from harbour_kit.auth import Principal, require_org_member
from harbour_kit.contracts import ServiceUpserted
from harbour_kit.errors import NotFound
from harbour_kit.events.outbox import Outbox


def _upserted(service: Service) -> ServiceUpserted:
    return ServiceUpserted(
        service_id=service.id,
        organization_id=service.organization_id,
        name=service.name,
        status=service.status,
        accepting_referrals=service.accepting_referrals,
        version=service.version,
    )


async def create_service(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    organization_id: str,
    data: ServiceCreate,
    service_id: str | None = None,
) -> Service:
    """Lists a new service for the principal's own organisation."""
    require_org_member(principal, organization_id)
    if await repository.get_organization(session=session, organization_id=organization_id) is None:
        raise NotFound("No such organization.")
    service = Service(
        id=service_id or str(uuid.uuid4()), organization_id=organization_id, **data.model_dump()
    )
    session.add(service)
    await session.flush()
    await outbox.add(session, _upserted(service), subject=service.id)
    return service


async def update_service(
    *,
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    service_id: str,
    data: ServiceUpdate,
) -> Service:
    """Changes a service of the principal's own organisation."""
    service = await repository.get_service(session=session, service_id=service_id)
    if service is None:
        raise NotFound("No such service.")
    require_org_member(principal, service.organization_id)
    changes = {
        field: value
        for field, value in data.model_dump(exclude_unset=True).items()
        if getattr(service, field) != value
    }
    if not changes:
        return service  # nothing changed: no new version, no event
    for field, value in changes.items():
        setattr(service, field, value)
    service.version += 1
    service.updated_at = datetime.now(UTC)
    session.add(service)
    await session.flush()
    await outbox.add(session, _upserted(service), subject=service.id)
    return service
