"""Every query on service profiles: intake capacity, referral pathway and version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import repository
from harbour_directory.hsds.repository import Row
from harbour_directory.models import service_profile
from harbour_kit.db import execute


async def profiles(*, session: AsyncSession, service_ids: Iterable[str]) -> dict[str, Row]:
    """The profiles of these services, by service id."""
    return await repository.by_ids(
        session=session, table=service_profile, ids=service_ids, key="service_id"
    )


async def update_profile(
    *, session: AsyncSession, service_id: str, changes: dict[str, Any]
) -> None:
    """Changes columns of one service's profile."""
    await execute(
        session,
        update(service_profile).where(service_profile.c.service_id == service_id).values(**changes),
    )
