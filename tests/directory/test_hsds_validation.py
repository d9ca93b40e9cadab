"""Incoming HSDS documents are checked against the standard's schemas before anything is written."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from harbour_directory.demo import FIXTURES, sample_directory
from harbour_directory.hsds import validation
from harbour_directory.seed import read_batch, seed
from harbour_kit.errors import ValidationFailed
from tests.conftest import Mint, Running, StartService, bearer

SERVICE = FIXTURES["tst_legal_urdu"]
ORGANIZATION = next(
    str(o["id"]) for o in sample_directory() if SERVICE in {s["id"] for s in o["services"]}
)
NEW_SERVICE = "0b6f3c2e-6f1d-4a52-9f0e-2d7c1a9b8e01"


def a_service(**changes: Any) -> dict[str, Any]:
    """A small valid HSDS service of the sample organisation, with `changes`."""
    return {
        "id": NEW_SERVICE,
        "organization_id": ORGANIZATION,
        "name": "Drop-in legal clinic (sample)",
        "status": "active",
        **changes,
    }


def fields_of(body: dict[str, Any]) -> set[str]:
    """The fields a problem document names."""
    return {e["field"] for e in body["errors"]}


async def seeded(start_service: StartService, backend: str = "sqlite") -> Running:
    """A directory with the sample data in it."""
    directory = await start_service("directory", backend)
    await seed(directory.service)
    return directory


async def test_an_invalid_enum_is_refused_naming_the_field_and_nothing_is_written(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await seeded(start_service, backend)
    admin = bearer(mint("network_admin"))
    response = await directory.client.post(
        "/import", params={"kind": "service"}, json=a_service(status="bogus"), headers=admin
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "hsds-invalid"
    assert body["errors"] == [
        {
            "field": "[0].status",
            "message": 'must be one of "active", "inactive", "defunct", "temporarily closed"',
        }
    ]
    assert (await directory.client.get(f"/services/{NEW_SERVICE}")).status_code == 404


async def test_every_problem_is_reported_at_once_without_the_submitted_values(
    start_service: StartService, mint: Mint
) -> None:
    directory = await seeded(start_service)
    admin = bearer(mint("network_admin"))
    document = a_service(
        status="bogus",
        minimum_age="eighteen",
        email="write-to-us",
        languages=[{"id": "not-a-uuid", "name": "Urdu"}],
        service_at_locations=[{"id": "0b6f3c2e-6f1d-4a52-9f0e-2d7c1a9b8e02", "location": {}}],
    )
    del document["name"]
    response = await directory.client.post(
        "/import", params={"kind": "service"}, json=[document], headers=admin
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "hsds-invalid"
    assert fields_of(body) == {
        "[0].name",
        "[0].status",
        "[0].minimum_age",
        "[0].email",
        "[0].languages[0].id",
        "[0].service_at_locations[0].location.id",
        "[0].service_at_locations[0].location.location_type",
    }
    for sent in ("bogus", "eighteen", "write-to-us", "not-a-uuid"):
        assert sent not in response.text
    assert (await directory.client.get(f"/services/{NEW_SERVICE}")).status_code == 404


async def test_fields_the_schema_does_not_define_are_not_refused(
    start_service: StartService, mint: Mint
) -> None:
    directory = await seeded(start_service)
    admin = bearer(mint("network_admin"))
    document = a_service(additional_urls=[{"url": "https://example.org/clinic"}])
    response = await directory.client.post(
        "/import", params={"kind": "service"}, json=document, headers=admin
    )
    assert response.status_code == 200, response.text
    assert (await directory.client.get(f"/services/{NEW_SERVICE}")).status_code == 200


async def test_an_org_admins_service_document_is_checked_against_the_schema(
    start_service: StartService, mint: Mint
) -> None:
    directory = await seeded(start_service)
    admin = bearer(mint("org_admin", org=ORGANIZATION))
    original = (await directory.client.get(f"/services/{SERVICE}", headers=admin)).json()
    broken = {**copy.deepcopy(original), "status": "bogus"}
    broken["service_at_locations"][0]["location"]["location_type"] = "floating"
    response = await directory.client.put(f"/services/{SERVICE}", json=broken, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "hsds-invalid"
    assert fields_of(response.json()) == {
        "[0].status",
        "[0].service_at_locations[0].location.location_type",
    }
    assert (await directory.client.get(f"/services/{SERVICE}", headers=admin)).json() == original


async def test_an_organization_document_is_checked_against_the_schema(
    start_service: StartService, mint: Mint
) -> None:
    directory = await seeded(start_service)
    admin = bearer(mint("org_admin", org=ORGANIZATION))
    original = (await directory.client.get(f"/organizations/{ORGANIZATION}", headers=admin)).json()
    broken = {**original, "email": "write-to-us", "year_incorporated": "1999"}
    response = await directory.client.put(
        f"/organizations/{ORGANIZATION}", json=broken, headers=admin
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "hsds-invalid"
    assert fields_of(response.json()) == {"[0].email", "[0].year_incorporated"}


async def test_records_read_from_csv_are_checked_against_the_schema(
    start_service: StartService, mint: Mint
) -> None:
    directory = await start_service("directory")
    services = f"id,organization_id,name,status\n{NEW_SERVICE},{ORGANIZATION},Clinic,bogus\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("services.csv", services)
    response = await directory.client.post(
        "/import/tabular", content=buffer.getvalue(), headers=bearer(mint("network_admin"))
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "hsds-invalid"
    assert fields_of(response.json()) == {"services.csv line 2, status"}
    assert (await directory.client.get("/services")).json()["total_items"] == 0


def test_a_file_for_the_import_command_is_checked_against_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text(json.dumps({"contents": [a_service(), a_service(status="closed")]}))
    with pytest.raises(ValidationFailed) as refused:
        read_batch(path=path, kind="service")
    assert refused.value.code == "hsds-invalid"
    assert [e["field"] for e in refused.value.errors] == ["[1].status"]


def test_services_nested_in_an_organization_are_checked_too() -> None:
    organization = copy.deepcopy(sample_directory()[0])
    organization["services"][1]["status"] = "bogus"
    organization["services"][1]["service_at_locations"][0]["service"] = {"id": "x"}
    assert {p["field"] for p in validation.problems("organization", organization)} == {
        "services[1].status",
        "services[1].service_at_locations[0].service.id",
        "services[1].service_at_locations[0].service.name",
        "services[1].service_at_locations[0].service.status",
    }


def test_the_sample_directory_meets_the_schema() -> None:
    assert [p for o in sample_directory() for p in validation.problems("organization", o)] == []
