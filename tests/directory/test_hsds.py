"""HSDS 3.0 conformance: the examples import; exports validate against the compiled schemas."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harbour_directory.seed import seed
from tests.conftest import Mint, Running, StartService, bearer

HSDS = Path(
    os.environ.get("HARBOUR_HSDS_DIR", Path(__file__).resolve().parents[3] / "shared" / "hsds-3.0")
)
EXAMPLES = HSDS / "examples"
KINDS = {
    "organization_full": "organization",
    "organization_list": "organization",
    "service_full": "service",
    "service_list": "service",
    "service_at_location_full": "service_at_location",
    "service_at_location_list": "service_at_location",
    "location": "location",
    "taxonomy": "taxonomy",
    "taxonomy_list": "taxonomy",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_term_list": "taxonomy_term",
}
NOT_RECORDS = {"base.json", "tabular.json"}  # the API root document; tabular rows as JSON


def schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads((HSDS / "schema" / "compiled" / f"{name}.json").read_text())
    )


def problems(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_every_json_example_has_a_kind() -> None:
    assert HSDS.is_dir(), f"HSDS material not found at {HSDS}; set HARBOUR_HSDS_DIR"
    examples = {p.stem for p in EXAMPLES.glob("*.json") if p.name not in NOT_RECORDS}
    assert examples == set(KINDS)


async def admin_directory(start_service: StartService, backend: str, mint: Mint) -> Running:
    directory = await start_service("directory", backend)
    from harbour_directory.taxonomy.service import ensure_taxonomies

    await ensure_taxonomies(directory.service, directory.service.settings)  # type: ignore[arg-type]
    return directory


async def test_every_example_imports_and_the_export_validates(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await admin_directory(start_service, backend, mint)
    admin = bearer(mint("network_admin"))
    for stem, kind in KINDS.items():
        payload = json.loads((EXAMPLES / f"{stem}.json").read_text())
        response = await directory.client.post(
            "/import", params={"kind": kind}, json=payload, headers=admin
        )
        assert response.status_code == 200, f"{stem}: {response.text}"
    csvs = {p.name: p.read_text() for p in (EXAMPLES / "csv").glob("*.csv")}
    response = await directory.client.post("/import/tabular", content=zipped(csvs), headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["services"] == 1

    exported = (await directory.client.get("/export", headers=admin)).json()
    assert exported, "the export is empty"
    organization, service = schema("organization"), schema("service")
    for document in exported:
        assert problems(organization, document) == []
        for nested in document.get("services", []):
            assert problems(service, nested) == []
    assert problems(schema("organization_package"), exported) == []

    example = json.loads((EXAMPLES / "service_full.json").read_text())
    one = (await directory.client.get(f"/services/{example['id']}")).json()
    assert problems(service, one) == []
    assert one["name"] == example["name"]
    assert {p["number"] for p in one["phones"]} == {p["number"] for p in example["phones"]}
    sal = example["service_at_locations"][0]
    listed = (await directory.client.get(f"/service_at_locations/{sal['id']}")).json()
    assert problems(schema("service_at_location"), listed) == []
    services_page = (await directory.client.get("/services")).json()
    assert problems(schema("service_list"), services_page["contents"][0]) == []
    organizations_page = (await directory.client.get("/organizations")).json()
    assert problems(schema("organization_list"), organizations_page["contents"][0]) == []
    terms = (await directory.client.get("/taxonomy_terms", params={"per_page": 500})).json()
    assert "3f7b145d-84af-42d7-8fae-eaca714b02b2" in {t["id"] for t in terms["contents"]}
    assert any(t["code"] == "legal" for t in terms["contents"])  # Harbour's own tree


async def test_tabular_export_round_trips(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    source = await start_service("directory", backend)
    await seed(source.service)
    admin = bearer(mint("network_admin"))
    package = await source.client.get("/export/tabular", headers=admin)
    assert package.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(package.content))
    names = set(archive.namelist())
    assert {"organizations.csv", "services.csv", "locations.csv", "datapackage.json"} <= names
    descriptor = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in descriptor["resources"]} == names - {"datapackage.json"}

    target = await admin_directory(start_service, backend, mint)
    imported = await target.client.post("/import/tabular", content=package.content, headers=admin)
    assert imported.status_code == 200, imported.text
    before = (await source.client.get("/services", params={"per_page": 200})).json()
    after = (await target.client.get("/services", params={"per_page": 200})).json()
    assert after["total_items"] == before["total_items"] >= 150

    def core(page: dict[str, Any]) -> list[tuple[str, str, str]]:
        return sorted((s["id"], s["name"], s["status"]) for s in page["contents"])

    assert core(after) == core(before)


@pytest.mark.parametrize(
    ("files", "where"),
    [
        ({"services.csv": "id,name,status\n1,,active\n"}, "services.csv line 2, name"),
        (
            {"locations.csv": "id,location_type,latitude\nL1,physical,north\n"},
            "locations.csv line 2, latitude",
        ),
        ({"services.csv": "id,name\n1,A\n"}, "services.csv line 1"),
        ({"people.csv": "id\n1\n"}, "people.csv"),
    ],
)
async def test_a_broken_package_is_refused_whole(
    start_service: StartService, mint: Mint, files: dict[str, str], where: str
) -> None:
    directory = await admin_directory(start_service, "sqlite", mint)
    admin = bearer(mint("network_admin"))
    good = "id,organization_id,name,status\ngood-1,org-1,A good service,active\n"
    response = await directory.client.post(
        "/import/tabular",
        content=zipped({"services.csv": good, **files} if "services.csv" not in files else files),
        headers=admin,
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation-failed"
    assert where in {e["field"] for e in body["errors"]}
    assert (await directory.client.get("/services")).json()["total_items"] == 0


async def test_a_broken_json_document_names_the_field_and_changes_nothing(
    start_service: StartService, mint: Mint
) -> None:
    directory = await admin_directory(start_service, "sqlite", mint)
    admin = bearer(mint("network_admin"))
    document = json.loads((EXAMPLES / "service_full.json").read_text())
    document["service_at_locations"][0]["location"]["latitude"] = "north"
    document["cost_options"][0]["amount"] = "free"
    del document["name"]
    response = await directory.client.post(
        "/import", params={"kind": "service"}, json=document, headers=admin
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "[0].name",
        "[0].service_at_locations[0].location.latitude",
        "[0].cost_options[0].amount",
    }
    assert (await directory.client.get("/services")).json()["total_items"] == 0
    assert (
        await directory.client.post("/import/tabular", content=b"not a zip", headers=admin)
    ).status_code == 422
    refused = await directory.client.post(
        "/import",
        params={"kind": "service"},
        json=document,
        headers=bearer(mint("org_admin", org="x")),
    )
    assert refused.status_code == 403
