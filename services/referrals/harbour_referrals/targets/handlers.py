"""Keeps the read model of directory services from `directory.*` events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.contracts import ServiceRemoved, ServiceUpserted
from harbour_kit.events import Envelope, Handler
from harbour_referrals.models import ReferralTarget
from harbour_referrals.targets.repository import get_target


async def on_service_upserted(session: AsyncSession, envelope: Envelope) -> None:
    """Records a listed or changed service; an older version never overwrites a newer one."""
    event = ServiceUpserted.model_validate(envelope.data)
    target = await get_target(session=session, service_id=event.service_id)
    if target is not None and target.version >= event.version:
        return
    target = target or ReferralTarget(
        service_id=event.service_id,
        organization_id=event.organization_id,
        name=event.name,
        status=event.status,
        accepting_referrals=event.accepting_referrals,
        version=event.version,
    )
    target.organization_id, target.name, target.status = (
        event.organization_id,
        event.name,
        event.status,
    )
    target.accepting_referrals, target.version, target.removed = (
        event.accepting_referrals,
        event.version,
        False,
    )
    target.updated_at = datetime.now(UTC)
    session.add(target)


async def on_service_removed(session: AsyncSession, envelope: Envelope) -> None:
    """Marks a service as removed so no new referral can reach it."""
    event = ServiceRemoved.model_validate(envelope.data)
    target = await get_target(session=session, service_id=event.service_id)
    if target is None or target.version >= event.version:
        return
    target.removed, target.version = True, event.version
    target.updated_at = datetime.now(UTC)
    session.add(target)


HANDLERS: dict[str, Handler] = {
    ServiceUpserted.event_type: on_service_upserted,
    ServiceRemoved.event_type: on_service_removed,
}
