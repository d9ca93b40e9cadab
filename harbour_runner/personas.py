"""The demo personas whose tokens the local runner prints."""

from __future__ import annotations

from dataclasses import dataclass

CARE_NETWORK = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a01"
LEGAL_CLINIC = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a02"
COMMUNITY_HEALTH = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a03"


@dataclass(frozen=True)
class Persona:
    """A demo user: who they are and what they may do."""

    key: str
    label: str
    sub: str
    org_id: str | None
    roles: tuple[str, ...]
    locale: str = "en"


PERSONAS = (
    Persona(
        "social_worker",
        "Social worker (Harbour Care Network)",
        "demo-social-worker",
        CARE_NETWORK,
        ("social_worker",),
    ),
    Persona(
        "partner_staff",
        "Partner staff (Kowloon Legal Clinic)",
        "demo-partner-staff",
        LEGAL_CLINIC,
        ("partner_staff",),
        "zh-Hant-HK",
    ),
    Persona(
        "org_admin",
        "Org admin (Kowloon Legal Clinic)",
        "demo-org-admin",
        LEGAL_CLINIC,
        ("org_admin", "partner_staff"),
    ),
    Persona("network_admin", "Network admin", "demo-network-admin", None, ("network_admin",)),
)
