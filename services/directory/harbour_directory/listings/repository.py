"""Every query the listings feature makes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.models import Organization, Service


async def get_organization(*, session: AsyncSession, organization_id: str) -> Organization | None:
    """Gets an organization by its id."""
    return await session.get(Organization, organization_id)


async def list_organizations(
    *, session: AsyncSession, offset: int, limit: int, ids: Sequence[str] | None = None
) -> tuple[list[Organization], int]:
    """One page of organizations by name, and how many there are."""
    query = select(Organization)
    if ids is not None:
        query = query.where(col(Organization.id).in_(ids))
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(
        query.order_by(col(Organization.name), col(Organization.id)).offset(offset).limit(limit)
    )
    return list(page.all()), total


async def get_service(*, session: AsyncSession, service_id: str) -> Service | None:
    """Gets a service by its id."""
    return await session.get(Service, service_id)


async def list_services(
    *,
    session: AsyncSession,
    offset: int,
    limit: int,
    ids: Sequence[str] | None = None,
    organization_id: str | None = None,
) -> tuple[list[Service], int]:
    """One page of services by name, and how many match."""
    query = select(Service)
    if ids is not None:
        query = query.where(col(Service.id).in_(ids))
    if organization_id is not None:
        query = query.where(Service.organization_id == organization_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(
        query.order_by(col(Service.name), col(Service.id)).offset(offset).limit(limit)
    )
    return list(page.all()), total
