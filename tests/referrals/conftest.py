"""A referrals service with three partner services known, and helpers to drive referrals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harbour_referrals.models import ReferralTarget
from tests.conftest import Mint, Running, StartService, bearer

REFERRER_ORG = "org-referrer"
PARTNER_ORG = "org-partner"
OTHER_ORG = "org-other"
LEGAL = "svc-legal"  # PARTNER_ORG
LEGAL_TOO = "svc-legal-2"  # OTHER_ORG, a candidate
CLOSED = "svc-closed"  # not accepting referrals
DETAILS = {
    "name": "Amina Rahman",
    "phone": "+852 5555 0199",
    "safe_contact": {"voicemail_ok": False, "sms_ok": True, "notes": "Call after 6pm only"},
    "languages": ["ur", "en"],
    "interpreter_needed": True,
}
NEEDS = "Needs advice before her screening interview on 3 December."


@dataclass
class World:
    """A running referrals service and the people who use it."""

    referrals: Running
    worker: dict[str, str]
    partner: dict[str, str]
    partner_admin: dict[str, str]
    outsider: dict[str, str]
    other_partner: dict[str, str]
    admin: dict[str, str]

    async def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        return await self.referrals.client.request(method, path, headers=headers, **kwargs)

    async def claimant(self) -> str:
        response = await self.call("POST", "/claimants", self.worker, json=DETAILS)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def consent(
        self, claimant_id: str, orgs: list[str] | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "claimant_id": claimant_id,
            "purpose": "legal",
            "receiving_organization_ids": orgs if orgs is not None else [PARTNER_ORG],
            "data_categories": ["identity", "contact", "languages", "needs"],
            "method": "verbal",
            **extra,
        }
        response = await self.call("POST", "/consents", self.worker, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def referral(self, *, send: bool = True, **extra: Any) -> dict[str, Any]:
        claimant_id = extra.pop("claimant_id", None) or await self.claimant()
        if send and not extra.pop("no_consent", False):
            await self.consent(claimant_id)
        body = {
            "claimant_id": claimant_id,
            "service_id": LEGAL,
            "purpose": "legal",
            "needs_summary": NEEDS,
            "send": send,
            **extra,
        }
        response = await self.call("POST", "/referrals", self.worker, json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def act(
        self, referral: dict[str, Any], action: str, who: dict[str, str], **body: Any
    ) -> Any:
        return await self.call(
            "POST", f"/referrals/{referral['id']}/actions/{action}", who, json=body or None
        )


async def add_targets(referrals: Running) -> None:
    """The read model as directory events would leave it."""
    async with referrals.service.uow() as session:
        for service_id, org, accepting in [
            (LEGAL, PARTNER_ORG, True),
            (LEGAL_TOO, OTHER_ORG, True),
            (CLOSED, OTHER_ORG, False),
        ]:
            session.add(
                ReferralTarget(
                    service_id=service_id,
                    organization_id=org,
                    name=service_id,
                    status="active",
                    accepting_referrals=accepting,
                    version=1,
                )
            )


async def make_world(referrals: Running, mint: Mint) -> World:
    await add_targets(referrals)
    return World(
        referrals=referrals,
        worker=bearer(mint("social_worker", org=REFERRER_ORG, sub="worker-1")),
        partner=bearer(mint("partner_staff", org=PARTNER_ORG, sub="partner-1")),
        partner_admin=bearer(mint("org_admin", org=PARTNER_ORG, sub="partner-admin")),
        outsider=bearer(mint("partner_staff", org=OTHER_ORG, sub="outsider-1")),
        other_partner=bearer(mint("partner_staff", org=OTHER_ORG, sub="other-1")),
        admin=bearer(mint("network_admin", sub="admin-1")),
    )


@pytest.fixture
async def world(start_service: StartService, backend: str, mint: Mint) -> World:
    return await make_world(await start_service("referrals", backend), mint)
