"""Service-at-location and taxonomy lists honour the HSDS parameters, or refuse them by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harbour_directory.demo import FIXTURES
from harbour_directory.search.repository import TOTAL_CAP
from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import Running, StartService
from tests.directory.test_hsds import HSDS
from tests.directory.test_hsds_api import ids, invalid, seeded

SERVICE = FIXTURES["tst_legal_urdu"]
SCHEMAS = HSDS / "schema"
CHUNGKING = {"lat": "22.2964", "lng": "114.1722"}


def _registry() -> Registry:
    """The standard's table schemas, so `taxonomy_term.json` finds `taxonomy.json`."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT202012))
        for path in Path(SCHEMAS).glob("*.json")
    ]
    return Registry().with_resources(resources)


def broken(name: str, items: list[dict[str, Any]]) -> list[str]:
    """How these items break one of the standard's table schemas (nothing when they meet it)."""
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    check = jsonschema.Draft202012Validator(schema, registry=_registry())
    return [f"{i['id']} {list(e.path)}: {e.message}" for i in items for e in check.iter_errors(i)]


async def sal_page(directory: Running, **params: Any) -> dict[str, Any]:
    """A search page: the HSDS envelope, items meeting `service_at_location_list` (and
    `service_at_location` with full), and a total that is exact or says it is not."""
    response = await directory.client.get("/service_at_locations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    size = int(params.get("per_page", 20))
    assert body["size"] == len(body["contents"]) <= size
    assert body["total_pages"] == max(1, -(-body["total_items"] // size))
    assert isinstance(body["total_items_estimated"], bool)
    assert invalid("service_at_location_list", body["contents"]) == []
    if params.get("full") == "true":
        assert invalid("service_at_location", body["contents"]) == []
    return body


async def sal_stream(directory: Running, **params: Any) -> list[dict[str, Any]]:
    """Every search match as ndjson, each line meeting `service_at_location_list`."""
    response = await directory.client.get(
        "/service_at_locations", params={**params, "format": "ndjson"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert invalid("service_at_location_list", records) == []
    if params.get("full") == "true":
        assert invalid("service_at_location", records) == []
    return records


def services_of(items: list[dict[str, Any]]) -> set[str]:
    """The service ids of search items."""
    return {item["service"]["id"] for item in items}


async def all_services(directory: Running, **params: Any) -> set[str]:
    """The ids of every service /services keeps with these parameters."""
    response = await directory.client.get("/services", params={**params, "minimal": "true"})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["contents"]}


async def test_service_at_locations_filters_change_the_results(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    everything = await sal_stream(directory)
    located = services_of(everything)
    assert len(everything) == len({i["id"] for i in everything}) > TOTAL_CAP

    one = next(i for i in everything if i["service"]["id"] == SERVICE)
    org = one["service"]["organization"]["id"]
    assert one["service"]["organization"]["description"]
    by_org = await sal_stream(directory, organization_id=org)
    assert {i["id"] for i in by_org} == {
        i["id"] for i in everything if i["service"]["organization"]["id"] == org
    }
    assert 0 < len(by_org) < len(everything)

    detention = await directory.client.get("/taxonomy_terms", params={"search": "detention"})
    term = next(t["id"] for t in detention.json()["contents"] if t.get("code") == "legal.detention")
    by_term = await sal_stream(directory, taxonomy_term_id=term)
    expected = await all_services(directory, taxonomy_term_id=term)
    assert services_of(by_term) == expected & located and 0 < len(by_term) < len(everything)

    taxonomies = (await directory.client.get("/taxonomies")).json()["contents"]
    eligibility_id = next(t["id"] for t in taxonomies if "ligib" in t["name"].lower())
    by_taxonomy = await sal_page(directory, taxonomy_id=eligibility_id, per_page=100)
    expected = await all_services(directory, taxonomy_id=eligibility_id)
    assert by_taxonomy["total_items"] == len(
        [i for i in everything if i["service"]["id"] in expected]
    )
    assert 0 < by_taxonomy["total_items"] < len(everything)

    future = await sal_page(directory, modified_after="2999-01-01T00:00:00Z")
    assert future["total_items"] == 0 and future["empty"]
    past = await sal_page(directory, modified_after="1990-01-01T00:00:00Z")
    dated = await all_services(directory, modified_after="1990-01-01T00:00:00Z")
    assert past["total_items"] == len([i for i in everything if i["service"]["id"] in dated])

    words = await sal_stream(directory, search="screening INTERVIEW")
    assert SERVICE in services_of(words) and len(words) < len(everything)
    both = await sal_stream(directory, search="screening", q="interview")
    assert {i["id"] for i in both} == {i["id"] for i in words}
    assert await sal_stream(directory, search="no-such-word-anywhere") == []

    # Filters combine with Harbour's geosearch, nearest first.
    near = await sal_page(directory, **CHUNGKING, radius="20000", organization_id=org)
    distances = [i["distance"] for i in near["contents"]]
    assert distances == sorted(distances) and services_of(near["contents"]) <= services_of(by_org)


async def test_full_nests_and_ndjson_streams_every_match(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    flat = await sal_page(directory, search="screening interview", per_page=5)
    full = await sal_page(directory, search="screening interview", per_page=5, full="true")
    assert ids(full) == ids(flat) and full["total_items"] == flat["total_items"]
    for item in full["contents"]:
        assert item["service_id"] == item["service"]["id"] and item["location"]["location_type"]
        assert "categories" in item and "open_now" in item  # Harbour's fields stay
    streamed_full = await sal_stream(directory, search="screening interview", full="true")
    assert {i["id"] for i in streamed_full} == {
        i["id"] for i in await sal_stream(directory, search="screening interview")
    }

    circle = await sal_stream(directory, **CHUNGKING, radius="3000", category="legal")
    distances = [i["distance"] for i in circle]
    assert distances == sorted(distances) and circle
    paged = await sal_page(directory, **CHUNGKING, radius="3000", category="legal", per_page=100)
    assert paged["total_items"] == len(circle)
    assert [i["id"] for i in paged["contents"]] == [i["id"] for i in circle]

    chinese = await sal_page(directory, search="screening interview", locale="zh-Hant-HK")
    assert chinese["contents"][0]["service"]["name"] != flat["contents"][0]["service"]["name"]


async def test_totals_past_200_are_true_or_labelled(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    every = await sal_stream(directory)
    assert len(every) > TOTAL_CAP
    whole = await sal_page(directory, per_page=100)
    assert (whole["total_items"], whole["total_items_estimated"]) == (len(every), False)
    last = await sal_page(directory, per_page=100, page=whole["total_pages"])
    assert last["last_page"] and last["size"] == len(every) - 100 * (whole["total_pages"] - 1)

    wide = {**CHUNGKING, "radius": "50000"}
    circle = await sal_stream(directory, **wide)
    assert len(circle) > TOTAL_CAP
    first = await sal_page(directory, **wide)
    if first["total_items_estimated"]:
        # A wide PostGIS geosearch counts for speed up to the cap, and says so.
        assert backend == "postgresql" and first["total_items"] == TOTAL_CAP
    else:
        assert first["total_items"] == len(circle)
    assert not first["last_page"]
    # A page deep in the circle still knows whether another follows.
    deep = await sal_page(directory, **wide, per_page=100, page=3)
    assert deep["total_items"] > 300 or deep["total_items"] == len(circle)
    assert deep["last_page"] is (len(circle) <= 300)
    assert [i["id"] for i in deep["contents"]] == [i["id"] for i in circle[200:300]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/service_at_locations", {"colour": "red", "search": "x"}),
        ("/service_at_locations", {"lon": "114.17", "lat": "22.3"}),
        ("/taxonomies", {"colour": "red"}),
        ("/taxonomy_terms", {"colour": "red", "search": "legal"}),
        ("/taxonomies/x", {"colour": "red"}),
    ],
)
async def test_an_unknown_parameter_is_refused_naming_it(
    start_service: StartService, path: str, params: dict[str, str]
) -> None:
    directory = await start_service("directory")
    response = await directory.client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    unknown = sorted(set(params) - {"search", "lat"})
    assert body["code"] == "unknown-parameter"
    assert [e["field"] for e in body["errors"]] == unknown


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"postcode": "94103"}, ["postcode"]),
        ({"postcode": "94103", "proximity": "1000"}, ["postcode", "proximity"]),
        ({"proximity": "1000", "near": "Chungking Mansions"}, ["proximity"]),
    ],
)
async def test_postcodes_are_refused_naming_them(
    start_service: StartService, params: dict[str, str], fields: list[str]
) -> None:
    directory = await start_service("directory")
    response = await directory.client.get("/service_at_locations", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "unsupported-parameter"
    assert [e["field"] for e in response.json()["errors"]] == fields


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/service_at_locations", {"format": "ndjson", "page": "2"}, ["page"]),
        ("/service_at_locations", {"format": "ndjson", "per_page": "5"}, ["per_page"]),
        ("/service_at_locations", {"format": "xml"}, ["format"]),
        ("/service_at_locations", {"modified_after": "yesterday"}, ["modified_after"]),
        ("/service_at_locations", {"taxonomy_id": "x" * 201}, ["taxonomy_id"]),
        (
            "/service_at_locations",
            {"format": "ndjson", "order": "travel", "near": "Chungking Mansions"},
            ["order"],
        ),
        ("/taxonomies", {"format": "ndjson", "page": "1"}, ["page"]),
        ("/taxonomies", {"per_page": "201"}, ["per_page"]),
        ("/taxonomy_terms", {"format": "ndjson", "per_page": "5"}, ["per_page"]),
        ("/taxonomy_terms", {"per_page": "501"}, ["per_page"]),
        ("/taxonomy_terms", {"search": "x" * 201}, ["search"]),
    ],
)
async def test_parameters_that_cannot_apply_are_refused_naming_them(
    start_service: StartService, path: str, params: dict[str, str], fields: list[str]
) -> None:
    directory = await start_service("directory")
    response = await directory.client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert [e["field"] for e in response.json()["errors"]] == fields


async def test_taxonomies_and_terms_search_and_stream(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    taxonomies = (await directory.client.get("/taxonomies")).json()
    assert broken("taxonomy", taxonomies["contents"]) == [] and taxonomies["total_items"] > 1
    found = (await directory.client.get("/taxonomies", params={"search": "ELIGIB"})).json()
    assert 0 < found["total_items"] < taxonomies["total_items"]
    assert all("eligib" in f"{t['name']} {t['description']}".lower() for t in found["contents"])

    response = await directory.client.get("/taxonomies", params={"format": "ndjson"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert broken("taxonomy", lines) == []
    assert [t["id"] for t in lines] == [t["id"] for t in taxonomies["contents"]]

    terms = (await directory.client.get("/taxonomy_terms", params={"per_page": 500})).json()
    assert broken("taxonomy_term", terms["contents"]) == []
    detention = (
        await directory.client.get("/taxonomy_terms", params={"search": "detention"})
    ).json()
    assert 0 < detention["total_items"] < terms["total_items"]
    for term in detention["contents"]:
        assert "detention" in f"{term['name']} {term['description']}".lower()
    # Words match other languages too, and combine with the other filters.
    chinese = next(t for t in terms["contents"] if t["code"] == "legal.detention")
    zh_name = chinese["translations"]["zh-Hant"]["name"]
    by_zh = (await directory.client.get("/taxonomy_terms", params={"search": zh_name})).json()
    assert chinese["id"] in ids(by_zh)
    top = (
        await directory.client.get(
            "/taxonomy_terms", params={"search": "detention", "top_only": "true"}
        )
    ).json()
    assert chinese["id"] not in ids(top)

    response = await directory.client.get(
        "/taxonomy_terms", params={"format": "ndjson", "search": "detention"}
    )
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert broken("taxonomy_term", lines) == []
    assert {t["id"] for t in lines} == ids(detention)
    everything = await directory.client.get("/taxonomy_terms", params={"format": "ndjson"})
    assert len(everything.text.splitlines()) == terms["total_items"]
