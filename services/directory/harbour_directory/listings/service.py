"""Rules for changing the directory: who may change what, and the events every change publishes.

Every write — an org admin's edit, a network admin's import, the demo seed — goes through
`save`: check ownership, write the rows, rebuild the affected search rows, and add one event per
changed service to the outbox, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.geo.gazetteer import valid_point
from harbour_directory.history import recording as history
from harbour_directory.hsds import render, tabular
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.hsds import service as hsds_service
from harbour_directory.hsds.ingest import Batch, Walker, ingest_documents, unwrap
from harbour_directory.hsds.repository import Row
from harbour_directory.listings import repository
from harbour_directory.listings.schemas import ImportSummary, IntakePublic, KeptAsSent
from harbour_directory.search import projection
from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import (
    ServiceCapacityChanged,
    ServiceRemoved,
    ServiceUpserted,
    ServiceUpsertedV2,
)
from harbour_kit.contracts.directory import ServiceStatus
from harbour_kit.errors import Forbidden, NotFound, ValidationFailed
from harbour_kit.events.outbox import Outbox

STATUSES = frozenset(get_args(ServiceStatus))
INTAKE_FIELDS = frozenset({"accepting_referrals", "waitlist_weeks", "waitlist_length"})
RecordT = TypeVar("RecordT", bound=BaseModel)
OWN_ONLY = "You can only change your own organisation's listings"


@dataclass
class Saved:
    """What a save changed."""

    services: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> ImportSummary:
        """How many records of each kind changed, the warnings, and the fields kept as sent."""
        return ImportSummary(
            services=len(self.services),
            organizations=len(self.organizations),
            locations=len(self.locations),
            warnings=self.warnings,
            kept=[KeptAsSent.model_validate(k) for k in self.kept],
        )


def is_network_admin(principal: Principal | None) -> bool:
    """Network admins (and the system itself, as `None`) may change any listing."""
    return principal is None or principal.has_role(Role.NETWORK_ADMIN)


def _refuse(what: str) -> Forbidden:
    return Forbidden(f"{OWN_ONLY} ({what}).")


async def _check_ownership(*, session: AsyncSession, batch: Batch, own: str | None) -> None:
    """An org admin may only touch records of their own organisation."""
    for org_id in batch.rows.get("organization", {}):
        if org_id != own:
            raise _refuse(f"organization {org_id}")
    services = batch.rows.get("service", {})
    stored = await hsds_repository.by_ids(session=session, table="service", ids=services)
    for service_id, row in services.items():
        if row.get("organization_id") != own:
            raise _refuse(f"service {service_id} names another organization")
        if service_id in stored and stored[service_id]["organization_id"] != own:
            raise _refuse(f"service {service_id}")
    locations = batch.rows.get("location", {})
    stored_locations = await hsds_repository.by_ids(
        session=session, table="location", ids=locations
    )
    for location_id, row in locations.items():
        owner = (stored_locations.get(location_id) or {}).get("organization_id")
        if owner not in (None, own):
            raise _refuse(f"location {location_id}")
        if row.get("organization_id") in (None, ""):
            row["organization_id"] = own
        elif row["organization_id"] != own:
            raise _refuse(f"location {location_id} names another organization")
    for table in ("taxonomy", "taxonomy_term"):
        # A term nested in an attribute is a reference: known ones are left as they are.
        nested = batch.rows.pop(table, {})
        known = await hsds_repository.by_ids(session=session, table=table, ids=nested)
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
    if not is_network_admin(principal):
        assert principal is not None
        await _check_ownership(session=session, batch=batch, own=principal.org_id)
    service_ids = sorted(batch.service_ids)
    before = await repository.profiles(session=session, service_ids=service_ids)
    edited = history.tracked(principal)
    documents = await history.snapshot(session=session, service_ids=service_ids) if edited else {}
    await hsds_repository.write(session=session, batch=batch, time_zone=time_zone)
    locations = batch.rows.get("location", {})
    affected = set(service_ids)
    affected |= {
        r["service_id"]
        for r in batch.rows.get("service_at_location", {}).values()
        if r["service_id"]
    }
    affected |= await projection.services_of_locations(session, locations)
    affected |= await projection.services_of_organizations(
        session, batch.rows.get("organization", {})
    )
    await projection.refresh(session, affected)
    await publish_upserts(session=session, outbox=outbox, service_ids=service_ids, before=before)
    if edited:
        assert principal is not None
        after = await history.snapshot(session=session, service_ids=service_ids)
        await history.record(session=session, principal=principal, before=documents, after=after)
    saved = Saved(
        services=service_ids,
        organizations=sorted(batch.rows.get("organization", {})),
        locations=sorted(locations),
        warnings=list(batch.warnings),
        kept=batch.report(),
    )
    for location_id, row in locations.items():
        if not valid_point(row.get("latitude"), row.get("longitude")):
            saved.warnings.append(
                f"location {location_id} has no usable coordinates: listed, but not on the map"
            )
    return saved


async def publish_upserts(
    *,
    session: AsyncSession,
    outbox: Outbox,
    service_ids: Iterable[str],
    before: dict[str, Row] | None = None,
) -> None:
    """One `service.upserted` per service, and `capacity-changed` where intake changed."""
    ids = sorted(set(service_ids))
    services = await hsds_repository.by_ids(session=session, table="service", ids=ids)
    profiles = await repository.profiles(session=session, service_ids=ids)
    providers = await hsds_repository.by_ids(
        session=session,
        table="organization",
        ids=[s.get("organization_id") or "" for s in services.values()],
    )
    for service_id in ids:
        service, profile = services[service_id], profiles[service_id]
        accepting, weeks, length = _intake(profile)
        status = service.get("status") if service.get("status") in STATUSES else "inactive"
        organization_id = service.get("organization_id") or ""
        version = profile["version"]
        facts = {
            "service_id": service_id,
            "organization_id": organization_id,
            "name": service.get("name") or "",
            "status": status,
            "accepting_referrals": accepting,
            "version": version,
        }
        provider = providers.get(organization_id, {}).get("name") or ""
        # v1 for the consumers still on it, v2 (with the provider's name) beside it.
        await outbox.add(session, ServiceUpserted(**facts), subject=service_id)
        await outbox.add(
            session, ServiceUpsertedV2(**facts, organization_name=provider), subject=service_id
        )
        if before is None or service_id not in before:
            continue
        if _intake(before[service_id]) != (accepting, weeks, length):
            await outbox.add(
                session,
                ServiceCapacityChanged(
                    service_id=service_id,
                    organization_id=organization_id,
                    accepting_referrals=accepting,
                    waitlist_weeks=weeks,
                    waitlist_length=length,
                    version=version,
                ),
                subject=service_id,
            )


async def owned_service(
    *, session: AsyncSession, service_id: str, principal: Principal | None
) -> Row:
    """The service, if it exists and the principal may change it."""
    found = await hsds_repository.by_ids(session=session, table="service", ids=[service_id])
    service = found.get(service_id)
    if service is None:
        raise NotFound("No such service.")
    if not is_network_admin(principal):
        assert principal is not None
        if service["organization_id"] != principal.org_id:
            raise Forbidden(f"{OWN_ONLY}.")
    return service


async def remove_service(
    *, session: AsyncSession, outbox: Outbox, service_id: str, principal: Principal | None
) -> None:
    """Takes a service out of the directory, with everything nested under it."""
    service = await owned_service(session=session, service_id=service_id, principal=principal)
    profile = (await repository.profiles(session=session, service_ids=[service_id])).get(service_id)
    version = int((profile or {}).get("version") or 0) + 1
    await hsds_repository.delete_records(session=session, table="service", ids=[service_id])
    await projection.refresh(session, [service_id])
    await outbox.add(
        session,
        ServiceRemoved(
            service_id=service_id, organization_id=service["organization_id"] or "", version=version
        ),
        subject=service_id,
    )


def _intake_changes(intake: dict[str, Any]) -> dict[str, Any]:
    """The checked intake fields of a change, or ValidationFailed naming each bad one."""
    checker = Batch()
    for name in sorted(set(intake) - INTAKE_FIELDS):
        checker.fail(name or '""', "is not an intake field")
    changes = {
        k: v
        for k, v in Walker(checker).intake(intake, "").items()
        if k in intake or k == "capacity_updated_at"
    }
    checker.raise_problems()
    return changes


async def update_intake(
    *,
    session: AsyncSession,
    outbox: Outbox,
    service_id: str,
    intake: dict[str, Any],
    principal: Principal | None,
) -> IntakePublic:
    """Changes a service's intake capacity: accepting referrals, waiting list."""
    await owned_service(session=session, service_id=service_id, principal=principal)
    changes = _intake_changes(intake)
    before = await repository.profiles(session=session, service_ids=[service_id])
    profile = before.get(service_id)
    if profile is None:
        raise NotFound("No such service.")
    changes["version"] = int(profile["version"]) + 1
    changes["updated_at"] = changes["capacity_updated_at"] = datetime.now(UTC)
    edited = history.tracked(principal)
    documents = await history.snapshot(session=session, service_ids=[service_id]) if edited else {}
    await repository.update_profile(session=session, service_id=service_id, changes=changes)
    await projection.refresh(session, [service_id])
    await publish_upserts(session=session, outbox=outbox, service_ids=[service_id], before=before)
    if edited:
        assert principal is not None
        after = await history.snapshot(session=session, service_ids=[service_id])
        await history.record(session=session, principal=principal, before=documents, after=after)
    after = (await repository.profiles(session=session, service_ids=[service_id]))[service_id]
    return IntakePublic(
        service_id=service_id,
        accepting_referrals=after["accepting_referrals"],
        waitlist_weeks=after["waitlist_weeks"],
        waitlist_length=after["waitlist_length"],
        updated_at=after["capacity_updated_at"],
        version=after["version"],
    )


def _same_id(document: dict[str, Any], record_id: str) -> None:
    """Refuses a body whose id is not the one in the path; a body without one takes it."""
    if document.get("id", record_id) != record_id:
        raise ValidationFailed(
            "The id in the body differs from the id in the path.",
            errors=[{"field": "id", "message": f"must be {record_id!r}"}],
        )
    document["id"] = record_id


def _may_name(principal: Principal | None, organization_id: Any, what: str) -> None:
    """Refuses, before the body is checked, a document an org admin may not send at all."""
    if not is_network_admin(principal):
        assert principal is not None
        if organization_id != principal.org_id:
            raise _refuse(what)


def organization_batch(
    *, organization_id: str, document: dict[str, Any], principal: Principal | None
) -> Batch:
    """The checked rows of an organization document sent to its own path."""
    _same_id(document, organization_id)
    _may_name(principal, organization_id, f"organization {organization_id}")
    return ingest_documents("organization", [document], strict=True)


def service_batch(
    *, service_id: str, document: dict[str, Any], principal: Principal | None
) -> Batch:
    """The checked rows of a service document sent to its own path; it names its organization."""
    _same_id(document, service_id)
    if not document.get("organization_id"):
        raise ValidationFailed(
            "A service names its organization.",
            errors=[{"field": "organization_id", "message": "is required"}],
        )
    what = f"service {service_id} names another organization"
    _may_name(principal, document["organization_id"], what)
    return ingest_documents("service", [document], strict=True)


def documents_batch(*, kind: str, payload: Any) -> Batch:
    """The checked rows of HSDS JSON records of one kind (a record, a list or an HSDS page)."""
    return ingest_documents(kind, unwrap(payload))


def package_batch(*, data: bytes) -> Batch:
    """The checked rows of an HSDS tabular package (a zip of CSV files)."""
    return tabular.ingest_tabular(tabular.unzip(data))


async def import_batch(
    *,
    session: AsyncSession,
    outbox: Outbox,
    batch: Batch,
    principal: Principal | None,
    time_zone: str,
) -> ImportSummary:
    """Saves an imported batch and says what changed."""
    saved = await save(session, outbox, batch, principal=principal, time_zone=time_zone)
    return saved.summary()


async def replace(
    *,
    session: AsyncSession,
    outbox: Outbox,
    batch: Batch,
    model: type[RecordT],
    record_id: str,
    principal: Principal,
    time_zone: str,
) -> RecordT:
    """Saves a record sent to its own path and reads it back as its admins see it."""
    await save(session, outbox, batch, principal=principal, time_zone=time_zone)
    who = render.Viewer(public=False)
    return await hsds_service.record(session=session, model=model, record_id=record_id, who=who)
