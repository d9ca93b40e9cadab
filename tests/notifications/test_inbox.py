"""Listing events from the directory become inbox items for each organisation's admins."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from harbour_notifications.templates import TITLE_LIMIT, fit_title
from tests.conftest import Keys, Mint, Running, StartService, bearer, eventually
from tests.sample import SMALL as DEMO_ORGANIZATIONS
from tests.sample import seed_small as seed

HARBOUR_CARE = str(DEMO_ORGANIZATIONS[0]["id"])
LEGAL_CLINIC = str(DEMO_ORGANIZATIONS[1]["id"])
COMMUNITY_HEALTH = str(DEMO_ORGANIZATIONS[2]["id"])
DETENTION_VISITS = "5a0c0002-0000-4000-8000-000000000002"
GENERAL_CLINIC = "5a0c0003-0000-4000-8000-000000000001"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
ITEM_FIELDS = {
    "id",
    "kind",
    "title",
    "reference",
    "link",
    "created_at",
    "read_at",
    "seen_at",
    "archived_at",
}


def names_of(org: dict[str, Any]) -> set[str]:
    return {str(service["name"]) for service in org["services"]}


async def inbox(notifications: Running, token: str) -> dict[str, Any]:
    response = await notifications.client.get("/inbox", headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def inbox_of_size(notifications: Running, token: str, size: int) -> dict[str, Any]:
    """The inbox once it holds `size` items (and still then: fails if it holds more)."""

    async def check() -> dict[str, Any] | None:
        body = await inbox(notifications, token)
        assert len(body["items"]) <= size, body
        return body if len(body["items"]) == size else None

    result: dict[str, Any] = await eventually(check)
    return result


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_each_organisations_admins_are_told_of_their_own_listings(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    notifications = await start_service("notifications", backend)
    assert await seed(directory.service) == 6
    admin = mint("org_admin", org=LEGAL_CLINIC, sub="amy.chan@example.org")

    clinic = await inbox_of_size(notifications, admin, 2)
    assert clinic["unread_count"] == 2
    assert all(set(item) == ITEM_FIELDS for item in clinic["items"])
    assert {item["kind"] for item in clinic["items"]} == {"listing.published"}
    assert all(item["read_at"] is None for item in clinic["items"])
    titles = [item["title"] for item in clinic["items"]]
    for name in names_of(DEMO_ORGANIZATIONS[1]):
        assert sum(name in title for title in titles) == 1
    for title in titles:
        # Only public listing facts: no caller, organisation id or token material.
        assert "amy" not in title.lower()
        assert LEGAL_CLINIC not in title
    assert {item["link"] for item in clinic["items"]} == {
        "/listings/5a0c0002-0000-4000-8000-000000000001",
        f"/listings/{DETENTION_VISITS}",
    }

    health = await inbox_of_size(notifications, mint("org_admin", org=COMMUNITY_HEALTH), 3)
    assert health["unread_count"] == 3
    assert {
        name
        for name in names_of(DEMO_ORGANIZATIONS[2])
        if any(name in item["title"] for item in health["items"])
    } == names_of(DEMO_ORGANIZATIONS[2])

    social_worker = await inbox(notifications, mint("social_worker", org=LEGAL_CLINIC))
    assert social_worker == {"unread_count": 0, "items": []}
    network_admin = await inbox(notifications, mint("network_admin"))
    assert network_admin == {"unread_count": 0, "items": []}

    anonymous = await notifications.client.get("/inbox")
    assert_problem(anonymous, 401)
    assert anonymous.json()["code"] == "missing-token"


async def test_read_marks_and_listing_changes(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    notifications = await start_service("notifications", backend)
    await seed(directory.service)
    admin = mint("org_admin", org=LEGAL_CLINIC)
    items = (await inbox_of_size(notifications, admin, 2))["items"]
    other_admin = mint("org_admin", org=HARBOUR_CARE)
    [other_item] = (await inbox_of_size(notifications, other_admin, 1))["items"]

    marked = await notifications.client.post(f"/inbox/{items[0]['id']}/read", headers=bearer(admin))
    assert marked.status_code == 200, marked.text
    assert marked.json()["id"] == items[0]["id"]
    assert marked.json()["read_at"] is not None
    after = await inbox(notifications, admin)
    assert after["unread_count"] == 1
    assert {i["id"]: i["read_at"] is not None for i in after["items"]} == {
        items[0]["id"]: True,
        items[1]["id"]: False,
    }
    unread = await notifications.client.get(
        "/inbox", params={"unread_only": "true"}, headers=bearer(admin)
    )
    assert [i["id"] for i in unread.json()["items"]] == [items[1]["id"]]

    foreign = await notifications.client.post(
        f"/inbox/{other_item['id']}/read", headers=bearer(admin)
    )
    assert_problem(foreign, 403)
    staff = mint("social_worker", org=LEGAL_CLINIC)
    assert_problem(
        await notifications.client.post(f"/inbox/{items[1]['id']}/read", headers=bearer(staff)),
        403,
    )
    assert_problem(
        await notifications.client.post(f"/inbox/{UNKNOWN}/read", headers=bearer(admin)), 404
    )
    assert_problem(await notifications.client.post(f"/inbox/{items[1]['id']}/read"), 401)
    assert (await inbox(notifications, other_admin))["unread_count"] == 1
    assert (await inbox(notifications, admin))["unread_count"] == 1

    changed = await directory.client.patch(
        f"/services/{DETENTION_VISITS}/intake",
        json={"accepting_referrals": True},
        headers=bearer(admin),
    )
    assert changed.status_code == 200, changed.text
    updated = await inbox_of_size(notifications, admin, 4)
    [new] = [i for i in updated["items"] if i["kind"] == "listing.updated"]
    [capacity] = [i for i in updated["items"] if i["kind"] == "listing.capacity"]
    assert "Detention visits" in new["title"]
    assert capacity["title"] == "Detention visits is now taking referrals"
    assert new["link"] == capacity["link"] == f"/listings/{DETENTION_VISITS}"
    assert updated["unread_count"] == 3
    assert {i["id"] for i in updated["items"][:2]} == {new["id"], capacity["id"]}  # newest first

    # Nothing more arrives: a change another organisation makes after these reaches it first.
    health = mint("org_admin", org=COMMUNITY_HEALTH)
    marker = await directory.client.patch(
        f"/services/{GENERAL_CLINIC}/intake",
        json={"accepting_referrals": False},
        headers=bearer(health),
    )
    assert marker.status_code == 200, marker.text
    await inbox_of_size(notifications, health, 5)
    settled = await inbox(notifications, admin)
    assert len(settled["items"]) == 4
    assert settled["unread_count"] == 3
    assert len((await inbox(notifications, other_admin))["items"]) == 1


def test_titles_of_long_listing_names_fit_the_inbox() -> None:
    title = fit_title("Your listing changed: " + "長" * 200)
    assert len(title) == TITLE_LIMIT and title.endswith("…")
    assert fit_title("Your listing is live: Clinic") == "Your listing is live: Clinic"


def without_locale(token: str, keys: Keys) -> str:
    """The same token without a `locale` claim, as an identity provider may issue it."""
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims["locale"]
    return jwt.encode(claims, keys.private_pem, algorithm="EdDSA")


async def test_the_same_item_reads_in_english_and_in_traditional_chinese(
    start_service: StartService, mint: Mint, keys: Keys
) -> None:
    directory = await start_service("directory")
    notifications = await start_service("notifications")
    await seed(directory.service)
    english = mint("org_admin", org=LEGAL_CLINIC, sub="amy.chan@example.org", locale="en")
    chinese = mint("org_admin", org=LEGAL_CLINIC, sub="amy.chan@example.org", locale="zh-Hant-HK")
    in_english = (await inbox_of_size(notifications, english, 2))["items"]
    in_chinese = (await inbox(notifications, chinese))["items"]
    assert [i["id"] for i in in_chinese] == [i["id"] for i in in_english]
    names = names_of(DEMO_ORGANIZATIONS[1])
    assert {i["title"] for i in in_english} == {f"Your listing is live: {n}" for n in names}
    live = "你的服務已刊登\N{FULLWIDTH COLON}"
    assert {i["title"] for i in in_chinese} == {live + n for n in names}
    item = in_english[0]
    marked = await notifications.client.post(f"/inbox/{item['id']}/read", headers=bearer(chinese))
    assert marked.json()["title"] == in_chinese[0]["title"]

    # A token without the claim reads in the language of the reader's profile.
    unclaimed = bearer(without_locale(english, keys))
    first = (await notifications.client.get("/inbox", headers=unclaimed)).json()["items"][0]
    assert first["title"] == item["title"]  # no profile yet: English
    saved = await notifications.client.put("/me", json={"locale": "zh-Hant"}, headers=unclaimed)
    assert saved.status_code == 200, saved.text
    after = (await notifications.client.get("/inbox", headers=unclaimed)).json()["items"]
    assert [i["title"] for i in after] == [i["title"] for i in in_chinese]
