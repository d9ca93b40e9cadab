"""The referrals service learns of directory services only through JetStream events."""

from __future__ import annotations

from typing import Any

from tests.conftest import Mint, StartService, bearer, eventually
from tests.sample import SMALL as DEMO_ORGANIZATIONS
from tests.sample import seed_small as seed

LEGAL_CLINIC = str(DEMO_ORGANIZATIONS[1]["id"])
DETENTION_VISITS = "5a0c0002-0000-4000-8000-000000000002"


async def test_listed_services_reach_the_referrals_read_model(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    referrals = await start_service("referrals", backend)
    assert await seed(directory.service) == 6
    token = mint("social_worker", org=str(DEMO_ORGANIZATIONS[0]["id"]))

    async def targets() -> list[dict[str, Any]]:
        response = await referrals.client.get("/targets", headers=bearer(token))
        assert response.status_code == 200
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) == 6 else []

    items = await eventually(targets)
    by_id = {i["service_id"]: i for i in items}
    assert by_id[DETENTION_VISITS]["accepting_referrals"] is False
    assert {i["organization_id"] for i in items} == {str(o["id"]) for o in DEMO_ORGANIZATIONS}


async def test_a_capacity_change_updates_the_read_model(
    start_service: StartService, mint: Mint
) -> None:
    directory = await start_service("directory")
    referrals = await start_service("referrals")
    await seed(directory.service)
    admin = mint("org_admin", org=LEGAL_CLINIC)
    response = await directory.client.patch(
        f"/services/{DETENTION_VISITS}/intake",
        json={"accepting_referrals": True},
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2

    async def accepting() -> bool:
        response = await referrals.client.get(
            "/targets", params={"accepting_only": "true"}, headers=bearer(admin)
        )
        return DETENTION_VISITS in {i["service_id"] for i in response.json()["items"]}

    assert await eventually(accepting)
