"""Travel time by MTR, ferry and foot: published journey times, door-to-door trips and ranking."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from geopy.distance import geodesic

from harbour_directory.demo import FIXTURES
from harbour_directory.geo.gazetteer import lookup
from harbour_directory.search.repository import Hit
from harbour_directory.seed import seed
from harbour_directory.travel.model import network
from harbour_directory.travel.ranking import rank
from harbour_directory.travel.trips import Origin
from harbour_directory.travel.words import route
from tests.conftest import Running, StartService

CHUNGKING = (22.2963, 114.1722)
ISLAND = {"central-and-western", "wan-chai", "eastern", "southern"}

# The operators' typical journey times, platform to platform with interchanges (MTR trip
# planner; Transport Department ferry details), and how far the model may be from each.
PUBLISHED = [
    ("mtr:tsim-sha-tsui", "mtr:central", 5, 2),
    ("mtr:tung-chung", "mtr:sham-shui-po", 29, 4),
    ("mtr:chai-wan", "mtr:yau-ma-tei", 33, 4),
    ("mtr:tuen-mun", "mtr:mong-kok", 44, 5),
    ("mtr:hong-kong", "mtr:airport", 24, 2),
    ("landmark:tsim-sha-tsui-star-ferry-pier", "landmark:central-star-ferry-pier", 9, 2),
    # Central - Mui Wo: about 40 min by fast ferry, about 55 by ordinary; one figure for both.
    ("landmark:central-pier-6", "landmark:mui-wo-ferry-pier", 47, 10),
]


@pytest.mark.parametrize(("start", "finish", "published", "tolerance"), PUBLISHED)
def test_journeys_match_the_operators_published_times(
    start: str, finish: str, published: int, tolerance: int
) -> None:
    net = network()
    for a, b in ((start, finish), (finish, start)):
        journey = net.journey(net.index[a], net.index[b])
        ride = journey.minutes - journey.wait  # the wait to board is not in published times
        assert abs(ride - published) <= tolerance, (a, b, ride, published)


def test_the_table_holds_every_pair_and_is_built_once() -> None:
    net = network()
    assert network() is net
    assert len(net.minutes) == len(net.stops) >= 105
    assert all(m < 200 for row in net.minutes for m in row)  # everything reachable
    assert all(net.minutes[i][i] == 0 for i in range(len(net.stops)))
    assert any("mtr.com.hk" in s for s in net.sources) and any(
        "td.gov.hk" in s for s in net.sources
    )


def _point(name: str) -> tuple[float, float]:
    place = lookup(name)
    assert place is not None, name
    return place.lat, place.lng


def test_a_trip_by_mtr_in_english_and_chinese() -> None:
    origin = Origin(*CHUNGKING)
    trip = origin.trip(*_point("Mong Kok Station"))
    assert trip.mode == "mtr" and 6 <= trip.minutes <= 11
    assert route(trip, "en") == (
        "Walk 2 min to Tsim Sha Tsui · Tsuen Wan line, 3 stops to Mong Kok · walk 1 min"
    )
    assert route(trip, "zh-Hant-HK") == "步行2分鐘至尖沙咀 · 乘荃灣綫3個站至旺角 · 步行1分鐘"
    wan_chai = origin.trip(*_point("Wan Chai Station"))
    assert "Tsuen Wan line, 1 stop to Admiralty · Island line, 1 stop to Wan Chai" in route(
        wan_chai, "en"
    )
    assert "乘港島綫1個站至灣仔" in route(wan_chai, "zh-Hant")


def test_walking_alone_when_that_is_quicker() -> None:
    trip = Origin(*CHUNGKING).trip(*_point("Kowloon Mosque"))
    assert trip.mode == "walk" and trip.journey is None and trip.minutes <= 5
    assert route(trip, "en") == f"Walk {trip.minutes} min"
    assert route(trip, "zh-Hant") == f"步行{trip.minutes}分鐘"


def test_an_outlying_island_by_ferry() -> None:
    trip = Origin(*_point("IFC")).trip(*_point("Mui Wo"))
    assert trip.mode == "ferry" and 55 <= trip.minutes <= 80
    assert "Mui Wo ferry to Mui Wo Ferry Pier" in route(trip, "en")
    assert "乘梅窩渡輪至梅窩碼頭" in route(trip, "zh-Hant")


def _hit(name: str) -> Hit:
    lat, lng = _point(name)
    return Hit(name, {}, geodesic(CHUNGKING, (lat, lng)).m, lat=lat, lng=lng)


def test_across_the_harbour_ranks_behind_a_quicker_place_on_the_same_side() -> None:
    origin = Origin(*CHUNGKING)
    wan_chai, mong_kok = _hit("Wan Chai Station"), _hit("Mong Kok Station")
    assert (wan_chai.distance or 0) < (mong_kok.distance or 0)  # nearer as the crow flies
    assert [h.id for h in rank(origin, [wan_chai, mong_kok], 3000)] == [
        "Mong Kok Station",
        "Wan Chai Station",
    ]
    # Time decides, not the harbour: Central is a quick ride, Ho Man Tin a walk and a change.
    central, ho_man_tin = _hit("Central Station"), _hit("Ho Man Tin")
    assert (ho_man_tin.distance or 0) < (central.distance or 0)
    assert [h.id for h in rank(origin, [ho_man_tin, central], 3000)] == [
        "Central Station",
        "Ho Man Tin",
    ]
    # Beyond the radius only what is as quick as walking to its edge stays.
    tuen_mun = _hit("Tuen Mun Station")
    assert [h.id for h in rank(origin, [tuen_mun, central], 2000)] == ["Central Station"]


@pytest.fixture
async def directory(start_service: StartService, backend: str) -> Running:
    running = await start_service("directory", backend)
    assert await seed(running.service) >= 150
    return running


async def _search(directory: Running, **params: Any) -> dict[str, Any]:
    response = await directory.client.get("/service_at_locations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_search_quickest_first(directory: Running) -> None:
    near = {"near": "Chungking Mansions", "per_page": 100}
    quickest = (await _search(directory, **near, order="travel"))["contents"]
    minutes = [item["travel_minutes"] for item in quickest]
    assert minutes == sorted(minutes) and all(isinstance(m, int) for m in minutes)
    assert all(
        item["route"] and item["travel_mode"] in {"walk", "mtr", "ferry"} for item in quickest
    )
    assert any(item["distance"] > 2000 for item in quickest)  # a train ride beyond the radius
    # A place across the harbour, nearer in a straight line, behind a quicker one in Kowloon.
    assert any(
        a["district"]["id"] not in ISLAND
        and b["district"]["id"] in ISLAND
        and b["distance"] < a["distance"]
        and a["travel_minutes"] < b["travel_minutes"]
        for a, b in itertools.combinations(quickest, 2)
    )
    # The default stays nearest first, with the travel time on every result too.
    nearest = (await _search(directory, **near))["contents"]
    distances = [item["distance"] for item in nearest]
    assert distances == sorted(distances) and all(item["travel_minutes"] for item in nearest)
    assert all(d <= 2000 for d in distances)
    # Pages of the quickest order are slices of the whole.
    pages = [
        await _search(directory, near="Chungking Mansions", order="travel", per_page=9, page=n)
        for n in (1, 2)
    ]
    assert [i["id"] for p in pages for i in p["contents"]] == [i["id"] for i in quickest][:18]
    # Open at a time, quickest first: the two walks first, and why the list is short.
    urdu = await _search(
        directory,
        near="Chungking Mansions",
        order="travel",
        category="legal",
        language="ur",
        free="true",
        open_at="2026-11-24T11:00:00+08:00",
    )
    ids = [item["service"]["id"] for item in urdu["contents"]]
    assert ids[:2] == [FIXTURES["tst_legal_urdu"], FIXTURES["jordan_legal_urdu"]]
    urdu_minutes = [item["travel_minutes"] for item in urdu["contents"]]
    assert urdu_minutes == sorted(urdu_minutes) and isinstance(urdu["closed_count"], int)
    found = await _search(directory, near="尖沙咀", order="travel", locale="zh-Hant")
    chinese = found["contents"]
    assert any("乘荃灣綫" in item["route"] and "至" in item["route"] for item in chinese)


async def test_confidential_places_are_approximate_and_bad_orders_are_refused(
    directory: Running,
) -> None:
    found = await _search(
        directory, near="Chungking Mansions", q="shelter", radius=20000, order="travel"
    )
    shelter = next(
        i for i in found["contents"] if i["service"]["id"] == FIXTURES["shelter_confidential"]
    )
    assert shelter["route"].endswith("(approximate: the address is confidential)")
    for params, field in (
        ({"near": "Jordan", "order": "fastest"}, "order"),
        ({"order": "travel"}, "order"),
    ):
        response = await directory.client.get("/service_at_locations", params=params)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await _search(directory, q="shelter"))["contents"][0]["route"] is None
