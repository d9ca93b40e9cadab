"""Rules for changing the directory: who may change what, and the events every change publishes.

Every write — an org admin's edit, a network admin's import, the demo seed — goes through
`save`: check ownership, write the rows, rebuild the affected search rows, and add one event per
changed service to the outbox, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import load, store
from harbour_directory.hsds.ingest import Batch, Walker
from harbour_directory.models import HSDS, service_profile
from harbour_directory.search import projection
from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import ServiceCapacityChanged, ServiceRemoved, ServiceUpserted
from harbour_kit.contracts.directory import ServiceStatus
from harbour_kit.db import execute
from harbour_kit.errors import Forbidden, NotFound
from harbour_kit.events.outbox import Outbox

STATUSES = frozenset(get_args(ServiceStatus))


@dataclass
class Saved:
    """What a save changed."""

    services: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "services": len(self.services),
            "organizations": len(self.organizations),
            "locations": len(self.locations),
            "warnings": self.warnings,
        }


def is_network_admin(principal: Principal | None) -> bool:
    """Network admins (and the system itself, as `None`) may change any listing."""
    return principal is None or principal.has_role(Role.NETWORK_ADMIN)


async def _check_ownership(
    session: AsyncSession, batch: Batch, principal: Principal | None
) -> None:
    """An org admin may only touch records of their own organisation."""
    if is_network_admin(principal):
        return
    assert principal is not None
    own = principal.org_id

    def refuse(what: str) -> Forbidden:
        return Forbidden(f"You can only change your own organisation's listings ({what}).")

    for org_id in batch.rows.get("organization", {}):
        if org_id != own:
            raise refuse(f"organization {org_id}")
    services = batch.rows.get("service", {})
    stored = await load.by_ids(session, HSDS["service"], services)
    for service_id, row in services.items():
        if row.get("organization_id") != own:
            raise refuse(f"service {service_id} names another organization")
        if service_id in stored and stored[service_id]["organization_id"] != own:
            raise refuse(f"service {service_id}")
    locations = batch.rows.get("location", {})
    stored_locations = await load.by_ids(session, HSDS["location"], locations)
    for location_id, row in locations.items():
        owner = (stored_locations.get(location_id) or {}).get("organization_id")
        if owner not in (None, own):
            raise refuse(f"location {location_id}")
        if row.get("organization_id") in (None, ""):
            row["organization_id"] = own
        elif row["organization_id"] != own:
            raise refuse(f"location {location_id} names another organization")
    for table in ("taxonomy", "taxonomy_term"):
        # A term nested in an attribute is a reference: known ones are left as they are.
        nested = batch.rows.pop(table, {})
        known = await load.by_ids(session, HSDS[table], nested)
        if set(nested) - set(known):
            raise Forbidden("Only network admins add taxonomy terms.")
        for term_id in nested:
            batch.translations.pop((table, term_id), None)


def _intake(profile: dict[str, Any] | None) -> tuple[bool, int | None, int | None]:
    profile = profile or {}
    return (
        profile.get("accepting_referrals") is not False,
        profile.get("waitlist_weeks"),
        profile.get("waitlist_length"),
    )


async def save(
    session: AsyncSession,
    outbox: Outbox,
    batch: Batch,
    *,
    principal: Principal | None,
    time_zone: str,
) -> Saved:
    """Writes a checked batch for `principal` (None: the system) and publishes what changed."""
    await _check_ownership(session, batch, principal)
    service_ids = sorted(batch.service_ids)
    before = await load.by_ids(session, service_profile, service_ids, key="service_id")
    await store.apply(session, batch, time_zone=time_zone)
    affected = set(service_ids)
    affected |= {
        r["service_id"]
        for r in batch.rows.get("service_at_location", {}).values()
        if r["service_id"]
    }
    affected |= await projection.services_of_locations(session, batch.rows.get("location", {}))
    affected |= await projection.services_of_organizations(
        session, batch.rows.get("organization", {})
    )
    await projection.refresh(session, affected)
    await publish_upserts(session, outbox, service_ids, before=before)
    saved = Saved(
        services=service_ids,
        organizations=sorted(batch.rows.get("organization", {})),
        locations=sorted(batch.rows.get("location", {})),
        warnings=list(batch.warnings),
    )
    for location_id, row in batch.rows.get("location", {}).items():
        if not store.valid_point(row.get("latitude"), row.get("longitude")):
            saved.warnings.append(
                f"location {location_id} has no usable coordinates: listed, but not on the map"
            )
    return saved


async def publish_upserts(
    session: AsyncSession,
    outbox: Outbox,
    service_ids: Iterable[str],
    *,
    before: dict[str, dict[str, Any]] | None = None,
) -> None:
    """One `service.upserted` per service, and `capacity-changed` where intake changed."""
    ids = sorted(set(service_ids))
    services = await load.by_ids(session, HSDS["service"], ids)
    profiles = await load.by_ids(session, service_profile, ids, key="service_id")
    for service_id in ids:
        service, profile = services[service_id], profiles[service_id]
        accepting, weeks, length = _intake(profile)
        status = service.get("status") if service.get("status") in STATUSES else "inactive"
        await outbox.add(
            session,
            ServiceUpserted(
                service_id=service_id,
                organization_id=service.get("organization_id") or "",
                name=service.get("name") or "",
                status=status,
                accepting_referrals=accepting,
                version=profile["version"],
            ),
            subject=service_id,
        )
        if (
            before is not None
            and service_id in before
            and _intake(before[service_id]) != (accepting, weeks, length)
        ):
            await outbox.add(
                session,
                ServiceCapacityChanged(
                    service_id=service_id,
                    organization_id=service.get("organization_id") or "",
                    accepting_referrals=accepting,
                    waitlist_weeks=weeks,
                    waitlist_length=length,
                    version=profile["version"],
                ),
                subject=service_id,
            )


async def owned_service(
    session: AsyncSession, service_id: str, *, principal: Principal | None
) -> dict[str, Any]:
    """The service, if it exists and the principal may change it."""
    service = (await load.by_ids(session, HSDS["service"], [service_id])).get(service_id)
    if service is None:
        raise NotFound("No such service.")
    if not is_network_admin(principal):
        assert principal is not None
        if service["organization_id"] != principal.org_id:
            raise Forbidden("You can only change your own organisation's listings.")
    return service


async def remove_service(
    session: AsyncSession, outbox: Outbox, service_id: str, *, principal: Principal | None
) -> None:
    """Takes a service out of the directory, with everything nested under it."""
    service = await owned_service(session, service_id, principal=principal)
    profile = (await load.by_ids(session, service_profile, [service_id], key="service_id")).get(
        service_id
    )
    version = int((profile or {}).get("version") or 0) + 1
    await store.delete_records(session, "service", [service_id])
    await projection.refresh(session, [service_id])
    await outbox.add(
        session,
        ServiceRemoved(
            service_id=service_id, organization_id=service["organization_id"] or "", version=version
        ),
        subject=service_id,
    )


async def update_intake(
    session: AsyncSession,
    outbox: Outbox,
    service_id: str,
    intake: dict[str, Any],
    *,
    principal: Principal | None,
) -> dict[str, Any]:
    """Changes a service's intake capacity: accepting referrals, waiting list."""
    await owned_service(session, service_id, principal=principal)
    unknown = sorted(set(intake) - {"accepting_referrals", "waitlist_weeks", "waitlist_length"})
    checker = Batch()
    for name in unknown:
        checker.fail(name, "is not an intake field")
    changes = {
        k: v
        for k, v in Walker(checker).intake(intake, "").items()
        if k in intake or k == "capacity_updated_at"
    }
    checker.raise_problems()
    before = await load.by_ids(session, service_profile, [service_id], key="service_id")
    profile = before.get(service_id)
    if profile is None:
        raise NotFound("No such service.")
    changes["version"] = int(profile["version"]) + 1
    changes["updated_at"] = changes["capacity_updated_at"] = datetime.now(UTC)
    await execute(
        session,
        update(service_profile).where(service_profile.c.service_id == service_id).values(**changes),
    )
    await projection.refresh(session, [service_id])
    await publish_upserts(session, outbox, [service_id], before=before)
    after = (await load.by_ids(session, service_profile, [service_id], key="service_id"))[
        service_id
    ]
    return {
        "service_id": service_id,
        "accepting_referrals": after["accepting_referrals"],
        "waitlist_weeks": after["waitlist_weeks"],
        "waitlist_length": after["waitlist_length"],
        "updated_at": after["capacity_updated_at"].isoformat()
        if after["capacity_updated_at"]
        else None,
        "version": after["version"],
    }
