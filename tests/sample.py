"""A small directory for tests that follow events across services (3 organisations, 6 services)."""

from __future__ import annotations

from typing import Any

from harbour_directory.seed import seed
from harbour_kit.service import Service

CARE_NETWORK = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a01"
LEGAL_CLINIC = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a02"
COMMUNITY_HEALTH = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a03"
CASEWORK = "5a0c0001-0000-4000-8000-000000000001"
CLAIM_ADVICE = "5a0c0002-0000-4000-8000-000000000001"
DETENTION_VISITS = "5a0c0002-0000-4000-8000-000000000002"


def _service(service_id: str, name: str, category: str, accepting: bool) -> dict[str, Any]:
    # HSDS ids are UUIDs: the service-at-location and location ids end in 5a1 and 10c.
    return {
        "id": service_id,
        "name": name,
        "description": f"{name}, for people seeking protection.",
        "status": "active",
        "categories": [category],
        "intake": {"accepting_referrals": accepting},
        "service_at_locations": [
            {
                "id": f"{service_id[:-3]}5a1",
                "location": {
                    "id": f"{service_id[:-3]}10c",
                    "location_type": "physical",
                    "name": f"{name} office",
                    "latitude": 22.3305,
                    "longitude": 114.1622,
                },
            }
        ],
    }


SMALL: list[dict[str, Any]] = [
    {
        "id": CARE_NETWORK,
        "name": "Harbour Care Network",
        "description": "Case management and social work for people seeking protection.",
        "services": [
            _service(CASEWORK, "Casework and referral", "social-welfare.casework", True),
        ],
    },
    {
        "id": LEGAL_CLINIC,
        "name": "Kowloon Legal Clinic",
        "description": "Free legal advice on non-refoulement claims and detention.",
        "services": [
            _service(CLAIM_ADVICE, "Non-refoulement claim advice", "legal.protection-claim", True),
            _service(DETENTION_VISITS, "Detention visits", "legal.detention", False),
        ],
    },
    {
        "id": COMMUNITY_HEALTH,
        "name": "Sham Shui Po Community Health",
        "description": "Free primary care, speech therapy and counselling.",
        "services": [
            _service(
                "5a0c0003-0000-4000-8000-000000000001",
                "Free general clinic",
                "medical.primary-care",
                True,
            ),
            _service(
                "5a0c0003-0000-4000-8000-000000000002",
                "Speech therapy for children",
                "speech-therapy",
                True,
            ),
            _service(
                "5a0c0003-0000-4000-8000-000000000003",
                "Trauma counselling",
                "mental-health.trauma",
                True,
            ),
        ],
    },
]


def names_of(organization: dict[str, Any]) -> set[str]:
    """The names of an organisation's services."""
    return {str(s["name"]) for s in organization["services"]}


async def seed_small(service: Service) -> int:
    """Writes the small directory; returns how many services it wrote."""
    return await seed(service, documents=SMALL)
