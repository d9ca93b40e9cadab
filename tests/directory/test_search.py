"""Geosearch on the sample directory: the same answers from PostGIS and from SQLite."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from harbour_directory.demo import CONFIDENTIAL_LOCATION_ID, FIXTURES, sample_directory
from harbour_directory.seed import seed
from tests.conftest import Mint, Running, StartService, bearer

TUESDAY_11 = "2026-11-24T11:00:00+08:00"
URDU_LEGAL = {"category": "legal", "language": "ur", "free": "true", "open_at": TUESDAY_11}
EXPECTED = [FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]]


def service_ids(page: dict[str, Any]) -> list[str]:
    return [item["service"]["id"] for item in page["contents"]]


async def search(directory: Running, **params: Any) -> dict[str, Any]:
    response = await directory.client.get("/service_at_locations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    running = await start_service("directory", backend)
    assert await seed(running.service) >= 150
    return running


@pytest.mark.parametrize("near", ["Chungking Mansions", "重慶大廈", "chungking  mansions"])
async def test_free_legal_help_in_urdu_near_chungking_mansions_open_now(
    directory: Running, near: str
) -> None:
    page = await search(directory, near=near, **URDU_LEGAL)
    assert service_ids(page) == EXPECTED
    distances = [item["distance"] for item in page["contents"]]
    assert distances == sorted(distances) and 0 < distances[0] < 400 < distances[1] < 2000
    first = page["contents"][0]
    assert first["open_now"] is True and first["free"] is True and "ur" in first["languages"]
    assert first["location"]["addresses"] and first["hours_today"] == ["10:00-18:00"]
    assert page["total_items"] == 2


async def test_each_filter_removes_what_it_should(directory: Running) -> None:
    near = {"near": "Chungking Mansions"}
    unfiltered = set(service_ids(await search(directory, **near, category="legal", per_page=100)))
    assert {
        FIXTURES[k] for k in ("tst_legal_saturday", "tst_legal_paid", "tst_legal_english")
    } <= unfiltered
    assert FIXTURES["tst_clinic_urdu"] not in unfiltered  # another category
    assert FIXTURES["shatin_legal_urdu"] not in unfiltered  # 9 km away
    wide = await search(directory, **near, category="legal", radius=20000, per_page=100)
    assert FIXTURES["shatin_legal_urdu"] in service_ids(wide)
    closed = await search(directory, **near, category="legal", language="ur", free="true")
    assert FIXTURES["tst_legal_saturday"] in service_ids(closed)  # open on Saturdays only
    assert "closed_count" not in closed
    # Late at night every match is closed, and the answer says how many that left out.
    night = await search(
        directory, **near, category="legal", open_at="2026-11-24T23:30:00+08:00", per_page=100
    )
    assert night["total_items"] == 0 and night["empty"] is True
    assert night["closed_count"] == len(unfiltered)
    tuesday = await search(directory, **near, **URDU_LEGAL)
    assert tuesday["closed_count"] == len(service_ids(closed)) - tuesday["total_items"]
    chinese = await search(directory, near="尖沙咀", **URDU_LEGAL, locale="zh-Hant-HK")
    assert service_ids(chinese) == EXPECTED
    assert (
        chinese["contents"][0]["service"]["name"]
        != (await search(directory, near="尖沙咀", **URDU_LEGAL))["contents"][0]["service"]["name"]
    )


async def test_coordinates_and_text_search(directory: Running) -> None:
    by_point = await search(directory, lat=22.2963, lng=114.1722, **URDU_LEGAL)
    assert service_ids(by_point) == EXPECTED
    shelters = await search(directory, q="shelter", per_page=100)
    assert FIXTURES["shelter_confidential"] in service_ids(shelters)
    in_chinese = await search(directory, q="庇護", per_page=100)
    assert FIXTURES["shelter_confidential"] in service_ids(in_chinese)
    nothing = await search(directory, q="zzzz-no-such-words")
    assert nothing["total_items"] == 0 and nothing["empty"] is True


async def test_paging_is_stable(directory: Running) -> None:
    whole = await search(directory, near="Mong Kok", radius=5000, per_page=100)
    pages = [
        await search(directory, near="Mong Kok", radius=5000, per_page=7, page=n) for n in (1, 2, 3)
    ]
    assert [i["id"] for p in pages for i in p["contents"]] == [i["id"] for i in whole["contents"]][
        :21
    ]
    assert all(p["total_items"] == whole["total_items"] for p in pages)


async def test_a_typhoon_signal_closes_everything_until_lifted(
    directory: Running, mint: Mint
) -> None:
    admin = bearer(mint("network_admin"))
    alert = await directory.client.post(
        "/closures",
        json={
            "scope": "network",
            "reason": "typhoon-signal-8",
            "starts_at": "2026-11-24T09:00:00+08:00",
        },
        headers=admin,
    )
    assert alert.status_code == 201, alert.text
    assert (await search(directory, near="Chungking Mansions", **URDU_LEGAL))["total_items"] == 0
    lifted = await directory.client.delete(f"/closures/{alert.json()['id']}", headers=admin)
    assert lifted.status_code == 204
    assert service_ids(await search(directory, near="Chungking Mansions", **URDU_LEGAL)) == EXPECTED
    staff = bearer(mint("org_admin", org="someone-else"))
    refused = await directory.client.post(
        "/closures", json={"scope": "network", "reason": "black-rainstorm"}, headers=staff
    )
    assert refused.status_code == 403


async def test_a_confidential_location_never_shows_its_address_to_the_public(
    directory: Running, mint: Mint
) -> None:
    shelter_id = FIXTURES["shelter_confidential"]
    secret = next(
        sal["location"]
        for org in sample_directory()
        for service in org["services"]
        for sal in service["service_at_locations"]
        if sal["location"]["id"] == CONFIDENTIAL_LOCATION_ID
    )
    words = [secret["addresses"][0]["address_1"], secret["name"], str(secret["latitude"])]

    async def public(path: str, **params: Any) -> httpx.Response:
        response = await directory.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response

    pages = [
        await public(
            "/service_at_locations", near="Sham Shui Po", category="housing", per_page=100
        ),
        await public("/service_at_locations", q="shelter", per_page=100),
        await public(f"/services/{shelter_id}"),
        await public(
            f"/organizations/{(await public(f'/services/{shelter_id}')).json()['organization_id']}"
        ),
        await public("/export"),
        await public("/services", full="true", per_page=200),
    ]
    for response in pages:
        for word in words:
            assert word not in response.text
    found = await public(
        "/service_at_locations", near="Sham Shui Po", category="housing", per_page=100
    )
    card = next(i for i in found.json()["contents"] if i["service"]["id"] == shelter_id)
    assert card["confidential"] is True and card["location"]["addresses"] == []
    assert card["district"]["id"] == "sham-shui-po"

    referrer = bearer(mint("social_worker", org="any-org"))
    signed_in = await directory.client.get(f"/services/{shelter_id}", headers=referrer)
    assert secret["addresses"][0]["address_1"] in signed_in.text
    results = await directory.client.get(
        "/service_at_locations", params={"q": "shelter", "per_page": 100}, headers=referrer
    )
    assert secret["addresses"][0]["address_1"] in results.text
