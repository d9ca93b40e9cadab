"""Demo listings for the embedded default (fictional organisations in Hong Kong)."""

from __future__ import annotations

import asyncio

from harbour_directory.listings.schemas import ServiceCreate
from harbour_directory.listings.service import create_service
from harbour_directory.models import Organization
from harbour_directory.settings import DirectorySettings
from harbour_kit.auth import Principal, Role
from harbour_kit.service import Service

DEMO_ORGANIZATIONS: list[dict[str, object]] = [
    {
        "id": "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a01",
        "name": "Harbour Care Network",
        "description": "Case management and social work for people seeking protection.",
        "services": [
            ("5a0c0001-0000-4000-8000-000000000001", "Casework and referral", True),
        ],
    },
    {
        "id": "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a02",
        "name": "Kowloon Legal Clinic",
        "description": "Free legal advice on non-refoulement claims and detention.",
        "services": [
            ("5a0c0002-0000-4000-8000-000000000001", "Non-refoulement claim advice", True),
            ("5a0c0002-0000-4000-8000-000000000002", "Detention visits", False),
        ],
    },
    {
        "id": "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a03",
        "name": "Sham Shui Po Community Health",
        "description": "Free primary care, speech therapy and counselling.",
        "services": [
            ("5a0c0003-0000-4000-8000-000000000001", "Free general clinic", True),
            ("5a0c0003-0000-4000-8000-000000000002", "Speech therapy for children", True),
            ("5a0c0003-0000-4000-8000-000000000003", "Trauma counselling", True),
        ],
    },
]

SYSTEM = Principal(sub="system:seed", org_id=None, roles=frozenset({Role.NETWORK_ADMIN}))


async def seed(service: Service) -> int:
    """Adds the demo organisations and services that are missing; returns how many services."""
    added = 0
    async with service.uow() as session:
        for org in DEMO_ORGANIZATIONS:
            org_id = str(org["id"])
            if await session.get(Organization, org_id) is not None:
                continue
            session.add(
                Organization(id=org_id, name=str(org["name"]), description=str(org["description"]))
            )
            await session.flush()
            for service_id, name, accepting in org["services"]:  # type: ignore[attr-defined]
                await create_service(
                    session=session,
                    outbox=service.outbox,
                    principal=SYSTEM,
                    organization_id=org_id,
                    service_id=service_id,
                    data=ServiceCreate(name=name, accepting_referrals=accepting),
                )
                added += 1
    return added


def run() -> None:
    """`harbour-directory seed`: adds demo data if missing."""
    from harbour_directory.main import build_service

    async def _run() -> None:
        service = build_service(DirectorySettings())
        try:
            print(f"seeded {await seed(service)} demo services")
        finally:
            await service.engine.dispose()

    asyncio.run(_run())
