"""The HSDS list endpoints honour every parameter the standard documents, or refuse it by name."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jsonschema
import pytest

from harbour_directory.demo import FIXTURES
from harbour_directory.hsds.schemas import MAX_MINIMAL
from harbour_directory.seed import seed
from harbour_directory.taxonomy import terms
from harbour_kit.errors import PROBLEM_JSON
from tests.conftest import Mint, Running, StartService, bearer
from tests.directory.test_hsds import HSDS

LIST_ITEMS = {"/services": "service_list", "/organizations": "organization_list"}
FULL_ITEMS = {"/services": "service", "/organizations": "organization"}
SERVICE = FIXTURES["tst_legal_urdu"]
EXTRA = 30  # services added to the sample's 177 so totals pass 200


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator of one compiled HSDS schema."""
    return jsonschema.Draft202012Validator(
        json.loads((HSDS / "schema" / "compiled" / f"{name}.json").read_text())
    )


def invalid(name: str, items: list[dict[str, Any]]) -> list[str]:
    """How these items break a compiled HSDS schema (nothing when they meet it)."""
    check = validator(name)
    return [
        f"{item['id']} {list(e.path)}: {e.message}"
        for item in items
        for e in check.iter_errors(item)
    ]


async def seeded(start_service: StartService, backend: str) -> Running:
    """A directory with the sample data in it."""
    directory = await start_service("directory", backend)
    await seed(directory.service)
    return directory


async def page(directory: Running, path: str, **params: Any) -> dict[str, Any]:
    """A list page that meets the HSDS envelope and list schema (and full schema when nested)."""
    response = await directory.client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["size"] == len(body["contents"])
    assert body["empty"] is (not body["contents"])
    size = int(params.get("per_page", MAX_MINIMAL if params.get("minimal") == "true" else 50))
    assert body["total_pages"] == max(1, -(-body["total_items"] // size))
    assert invalid(LIST_ITEMS[path], body["contents"]) == []
    if params.get("full") == "true" or params.get("full_service") == "true":
        assert invalid(FULL_ITEMS[path], body["contents"]) == []
    return body


def ids(body: dict[str, Any]) -> set[str]:
    """The ids on a page."""
    return {item["id"] for item in body["contents"]}


async def streamed(directory: Running, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of an ndjson answer, each line checked against the list schema."""
    response = await directory.client.get(path, params={**params, "format": "ndjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.text.splitlines()
    assert response.text.endswith("\n") or not lines
    records = [json.loads(line) for line in lines]
    assert invalid(LIST_ITEMS[path], records) == []
    return records


async def refused(directory: Running, path: str, status: int, **params: Any) -> list[str]:
    """The fields a refusal names, checking it is a problem document."""
    response = await directory.client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    return [e["field"] for e in response.json()["errors"]]


async def test_services_filters_change_the_results(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    everything = await page(directory, "/services", per_page=200, full="true")
    assert everything["total_items"] == 177
    services = everything["contents"]

    detention = terms.term_id("legal.detention")
    by_term = await page(directory, "/services", taxonomy_term_id=detention, per_page=200)
    expected = {
        s["id"] for s in services if detention in {a["taxonomy_term_id"] for a in s["attributes"]}
    }
    assert ids(by_term) == expected and 0 < len(expected) < 177

    eligibility = terms.taxonomy_id(terms.ELIGIBILITY)
    by_taxonomy = await page(directory, "/services", taxonomy_id=eligibility, per_page=200)
    expected = {s["id"] for s in services if s.get("eligibility")}
    assert ids(by_taxonomy) == expected and 0 < len(expected) < 177
    access = terms.taxonomy_id(terms.ACCESS)  # its terms describe locations, never services
    assert (await page(directory, "/services", taxonomy_id=access))["total_items"] == 0

    one = next(s for s in services if s["id"] == SERVICE)
    by_organization = await page(
        directory, "/services", organization_id=one["organization_id"], per_page=200
    )
    expected = {s["id"] for s in services if s["organization_id"] == one["organization_id"]}
    assert ids(by_organization) == expected and SERVICE in expected and len(expected) < 177

    # Words match names and descriptions in any language, each word anywhere.
    in_description = await page(directory, "/services", search="screening INTERVIEW", per_page=200)
    assert SERVICE in ids(in_description) and in_description["total_items"] < 177
    for item in in_description["contents"]:
        text = f"{item['name']} {item.get('description', '')}".lower()
        assert "screening" in text and "interview" in text
    chinese = one["translations"]["zh-Hant"]["name"]
    assert SERVICE in ids(await page(directory, "/services", search=chinese, per_page=200))
    assert (await page(directory, "/services", search="no-such-word-anywhere"))["total_items"] == 0


async def test_services_pages_are_true_past_200_and_stream_whole(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await seeded(start_service, backend)
    one = (await directory.client.get(f"/services/{SERVICE}")).json()
    extra = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"extra-{n}")),
            "organization_id": one["organization_id"],
            "name": f"Zebrafinch outreach {n:02}",
            "status": "active",
            "last_modified": "2030-01-02T00:00:00Z",
        }
        for n in range(EXTRA)
    ]
    imported = await directory.client.post(
        "/import",
        params={"kind": "service"},
        json=extra,
        headers=bearer(mint("network_admin")),
    )
    assert imported.status_code == 200, imported.text
    total = 177 + EXTRA

    first = await page(directory, "/services", per_page=50)
    assert (first["total_items"], first["total_pages"], first["first_page"]) == (total, 5, True)
    last = await page(directory, "/services", page=5, per_page=50)
    assert (last["size"], last["last_page"]) == (total - 200, True)
    assert not ids(first) & ids(last)
    widest = await page(directory, "/services", per_page=200)
    assert (widest["total_items"], widest["size"], widest["last_page"]) == (total, 200, False)
    older_name = await page(directory, "/services", page_number=5, per_page=50)
    assert ids(older_name) == ids(last)

    minimal = await page(directory, "/services", minimal="true")
    assert (minimal["total_items"], minimal["size"]) == (total, total)  # all in one call
    assert all(
        set(item) <= {"id", "name", "status", "last_modified"} for item in minimal["contents"]
    )

    recent = await page(directory, "/services", modified_after="2030-01-01T00:00:00Z")
    assert ids(recent) == {s["id"] for s in extra}

    records = await streamed(directory, "/services")
    assert len(records) == total and len({r["id"] for r in records}) == total
    assert [r["id"] for r in records[:200]] == [i["id"] for i in widest["contents"]]
    lines = await streamed(directory, "/services", minimal="true", search="zebrafinch")
    assert {r["id"] for r in lines} == {s["id"] for s in extra}
    assert all(set(r) <= {"id", "name", "status", "last_modified"} for r in lines)
    full = await streamed(directory, "/services", full="true", ids=SERVICE)
    assert invalid("service", full) == [] and full[0]["service_at_locations"]


async def test_full_services_nest_and_extras_still_work(
    start_service: StartService, backend: str
) -> None:
    directory = await seeded(start_service, backend)
    flat = await page(directory, "/services", ids=SERVICE)
    assert "service_at_locations" not in flat["contents"][0]
    full = await page(directory, "/services", ids=SERVICE, full="true")
    assert full["contents"][0]["service_at_locations"]
    chinese = await page(directory, "/services", ids=SERVICE, locale="zh-Hant-HK")
    assert chinese["contents"][0]["name"] != flat["contents"][0]["name"]


async def test_organizations_search_and_nesting(start_service: StartService, backend: str) -> None:
    directory = await seeded(start_service, backend)
    everything = await page(directory, "/organizations", per_page=200)
    assert everything["total_items"] == 39
    assert all("services" not in o for o in everything["contents"])

    refuge = await page(directory, "/organizations", search="refoulement DETENTION")
    assert 0 < refuge["total_items"] < 39
    for item in refuge["contents"]:
        text = f"{item['name']} {item['description']}".lower()
        assert "refoulement" in text and "detention" in text

    service = (await directory.client.get(f"/services/{SERVICE}")).json()
    org = service["organization_id"]
    nested = await page(directory, "/organizations", ids=org, full="true")
    services = nested["contents"][0]["services"]
    assert SERVICE in {s["id"] for s in services}
    assert all("service_at_locations" not in s for s in services)  # one-to-one fields only
    deep = await page(directory, "/organizations", ids=org, full_service="true")
    assert all("service_at_locations" in s for s in deep["contents"][0]["services"])

    one = (await directory.client.get(f"/organizations/{org}")).json()
    assert invalid("organization", [one]) == []
    assert all("service_at_locations" not in s for s in one["services"])
    full_one = (
        await directory.client.get(f"/organizations/{org}", params={"full_service": "true"})
    ).json()
    assert invalid("organization", [full_one]) == []
    assert all("service_at_locations" in s for s in full_one["services"])

    records = await streamed(directory, "/organizations")
    assert [r["id"] for r in records] == [o["id"] for o in everything["contents"]]
    nested_lines = await streamed(directory, "/organizations", full_service="true", ids=org)
    assert invalid("organization", nested_lines) == []
    second = await page(directory, "/organizations", page=2, per_page=20)
    assert ids(second) == {o["id"] for o in everything["contents"][20:]}


@pytest.mark.parametrize(
    "path",
    ["/", "/services", f"/services/{SERVICE}", "/organizations", "/export"],
)
async def test_an_unknown_parameter_is_refused_naming_it(
    start_service: StartService, path: str
) -> None:
    directory = await start_service("directory")
    response = await directory.client.get(
        path, params={"colour": "red", "search": "x"} if path in LIST_ITEMS else {"colour": "red"}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "unknown-parameter"
    assert [e["field"] for e in body["errors"]] == ["colour"]
    assert "colour" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/services", {"format": "ndjson", "page": "2"}, ["page"]),
        ("/organizations", {"format": "ndjson", "per_page": "5"}, ["per_page"]),
        ("/services", {"format": "xml"}, ["format"]),
        ("/services", {"minimal": "true", "full": "true"}, ["minimal"]),
        ("/services", {"per_page": "201"}, ["per_page"]),
        ("/services", {"page": "2", "page_number": "2"}, ["page_number"]),
        ("/services", {"taxonomy_id": "x" * 201}, ["taxonomy_id"]),
        ("/organizations", {"search": "x" * 201}, ["search"]),
    ],
)
async def test_parameters_that_cannot_apply_are_refused_naming_them(
    start_service: StartService, path: str, params: dict[str, str], fields: list[str]
) -> None:
    directory = await start_service("directory")
    assert await refused(directory, path, 422, **params) == fields


async def test_an_empty_stream_is_empty(start_service: StartService) -> None:
    directory = await start_service("directory")
    assert await streamed(directory, "/services") == []
    response: httpx.Response = await directory.client.get(
        "/services", params={"format": "ndjson", "search": "nothing"}
    )
    assert response.text == ""
