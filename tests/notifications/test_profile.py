"""A recipient's profile: a value it cannot hold is refused by name, and nothing changes."""

from __future__ import annotations

from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import Mint, StartService, bearer


async def test_a_null_locale_is_a_422_naming_it_and_changes_nothing(
    start_service: StartService, mint: Mint
) -> None:
    notifications = await start_service("notifications")
    me = bearer(mint("partner_staff", org="org-partner", sub="staff-1"))
    saved = await notifications.client.put("/me", json={"locale": "zh-Hant"}, headers=me)
    assert saved.status_code == 200 and saved.json()["locale"] == "zh-Hant"
    refused = await notifications.client.put(
        "/me", json={"locale": None, "email": "new@example.org"}, headers=me
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in refused.json()["errors"]] == ["locale"]
    after = (await notifications.client.get("/me", headers=me)).json()
    assert after["locale"] == "zh-Hant" and after["email"] is None


async def test_an_sms_number_is_kept_as_e164_and_a_wrong_one_is_refused(
    start_service: StartService, mint: Mint
) -> None:
    notifications = await start_service("notifications")
    me = bearer(mint("partner_staff", org="org-partner", sub="staff-2"))
    local = await notifications.client.put("/me", json={"phone": "5123 4567"}, headers=me)
    assert local.status_code == 200 and local.json()["phone"] == "+85251234567"
    for wrong in ("12", "phone me", "+852 123"):
        refused = await notifications.client.put("/me", json={"phone": wrong}, headers=me)
        assert refused.status_code == 422, wrong
        assert [e["field"] for e in refused.json()["errors"]] == ["phone"]
    assert (await notifications.client.get("/me", headers=me)).json()["phone"] == "+85251234567"
