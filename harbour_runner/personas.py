"""The demo personas whose tokens the local runner prints."""

from __future__ import annotations

from dataclasses import dataclass

# Organisations of the sample directory (`harbour_directory.demo`), whose ids are fixed.
CARE_NETWORK = "819f7319-e516-5db8-95ee-826dcda7c4cb"  # Tidewater Casework Service (sample)
LEGAL_CLINIC = "7864edd9-0733-56e3-8291-c0139552a63c"  # Kowloon Refuge Law Centre (sample)
COMMUNITY_HEALTH = "a83e6f19-b7cb-53df-b32d-3b7d92f230c4"  # Silver Lantern Community Clinic


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
        "Social worker (Tidewater Casework Service)",
        "demo-social-worker",
        CARE_NETWORK,
        ("social_worker",),
    ),
    Persona(
        "partner_staff",
        "Partner staff (Kowloon Refuge Law Centre)",
        "demo-partner-staff",
        LEGAL_CLINIC,
        ("partner_staff",),
        "zh-Hant-HK",
    ),
    Persona(
        "org_admin",
        "Org admin (Kowloon Refuge Law Centre)",
        "demo-org-admin",
        LEGAL_CLINIC,
        ("org_admin", "partner_staff"),
    ),
    Persona("network_admin", "Network admin", "demo-network-admin", None, ("network_admin",)),
)
