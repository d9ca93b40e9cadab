"""HSDS import and export are lossless: what a publisher sends comes back out unchanged."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import frictionless

from harbour_directory.hsds.fields import ARRAYS, OBJECTS
from harbour_directory.hsds.ingest import link_of
from tests.conftest import Mint, Running, StartService, bearer
from tests.directory.test_hsds import EXAMPLES, HSDS, KINDS, admin_directory, zipped

Records = dict[tuple[str, str], dict[str, Any]]
Edges = set[tuple[str, str, str, str]]
# Links the structure implies: an output may add them where a nested input left them out.
DERIVED = frozenset(
    {
        "organization_id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "program_id",
        "contact_id",
        "phone_id",
        "taxonomy_id",
        "taxonomy_term_id",
        "link_id",
        "link_entity",
        "resource_id",
        "resource_type",
    }
)
BOOKKEEPING = frozenset({"version"})  # Harbour's change counter on every stored service


def flatten(table: str, doc: dict[str, Any], records: Records, edges: Edges) -> None:
    """Every record in a document by (table, id): its non-null values; and its nestings."""
    mine = records.setdefault((table, str(doc["id"])), {})
    nested = set(ARRAYS.get(table, {})) | set(OBJECTS.get(table, {})) | {"translations"}
    mine.update({k: v for k, v in doc.items() if k not in nested and v is not None})
    for key, child in ARRAYS.get(table, {}).items():
        for item in doc.get(key) or []:
            edges.add((table, str(doc["id"]), key, str(item["id"])))
            flatten(child, item, records, edges)
    for key, (target, _column) in OBJECTS.get(table, {}).items():
        if isinstance(doc.get(key), dict):
            edges.add((table, str(doc["id"]), key, str(doc[key]["id"])))
            flatten(target, doc[key], records, edges)


def sent(table: str, documents: list[dict[str, Any]]) -> tuple[Records, Edges]:
    records: Records = {}
    edges: Edges = set()
    for document in documents:
        flatten(table, document, records, edges)
    return records, edges


def assert_nothing_lost_changed_or_invented(inputs: Records, outputs: Records) -> None:
    """Every record sent that an output shows carries exactly what was sent (plus links)."""
    for key, fields in inputs.items():
        if key not in outputs:
            continue
        shown = outputs[key]
        for name, value in fields.items():
            assert shown.get(name) == value, (
                f"{key} {name}: sent {value!r}, got {shown.get(name)!r}"
            )
        invented = set(shown) - set(fields) - DERIVED - BOOKKEEPING
        assert not invented, f"{key}: invented {sorted(invented)}"


def assert_nestings_kept(edges: Edges, output_edges: Edges, outputs: Records) -> None:
    """A nested list an output shows holds every child it was sent with."""
    shown = {(t, i, k) for t, i, k, _ in output_edges}
    for edge in edges:
        if edge[:3] in shown:
            assert edge in output_edges, f"{edge} lost"


def tabular_rows(content: bytes) -> dict[str, list[dict[str, str]]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    by_file = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".csv")}
    from harbour_directory.hsds.fields import CSV_FILES

    return {
        table: list(csv.DictReader(io.StringIO(by_file[path]))) for table, path in CSV_FILES.items()
    }


def cell(table: str, name: str, value: Any) -> str:
    """A JSON value as the tabular export writes it (times typed `HH:MM:SS`)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    if table == "schedule" and name in ("opens_at", "closes_at") and len(str(value)) == 5:
        return f"{value}:00"
    return str(value)


def assert_tabular_keeps(inputs: Records, edges: Edges, rows: dict[str, list[dict[str, str]]]):
    """Every record sent is a row with its values, and every nesting is a link column."""
    by_id = {(t, r["id"]): r for t, table_rows in rows.items() for r in table_rows}
    for (table, record_id), fields in inputs.items():
        row = by_id[(table, record_id)]
        for name, value in fields.items():
            assert row.get(name) == cell(table, name, value), f"{table} {record_id} {name}"
    for parent, parent_id, key, child_id in edges:
        if key in ARRAYS.get(parent, {}):
            child = ARRAYS[parent][key]
            column, _ = link_of(parent, child)
            assert by_id[(child, child_id)][column] == parent_id, f"{parent}.{key} {child_id}"
        else:
            _target, column = OBJECTS[parent][key]
            assert by_id[(parent, parent_id)][column] == child_id, f"{parent}.{key}"


async def shown(directory: Running, table: str, ids: list[str], admin: dict[str, str]) -> Any:
    """What the HSDS API shows of these records, fully nested, and the JSON export."""
    documents: list[tuple[str, dict[str, Any]]] = []
    paths = {
        "service": "/services/{}",
        "organization": "/organizations/{}?full_service=true",
        "service_at_location": "/service_at_locations/{}",
    }
    for record_id in ids:
        if table in paths:
            response = await directory.client.get(paths[table].format(record_id), headers=admin)
            assert response.status_code == 200, response.text
            documents.append((table, response.json()))
    exported = await directory.client.get("/export", headers=admin)
    documents += [("organization", d) for d in exported.json()]
    records: Records = {}
    edges: Edges = set()
    for kind, document in documents:
        flatten(kind, document, records, edges)
    return records, edges


async def import_json(
    directory: Running, kind: str, payload: Any, admin: dict[str, str]
) -> dict[str, Any]:
    response = await directory.client.post(
        "/import", params={"kind": kind}, json=payload, headers=admin
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def records_of(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("contents"), list):
        return list(payload["contents"])
    return payload if isinstance(payload, list) else [payload]


async def test_every_example_comes_back_unchanged(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await admin_directory(start_service, backend, mint)
    admin = bearer(mint("network_admin"))
    for stem, kind in KINDS.items():
        payload = json.loads((EXAMPLES / f"{stem}.json").read_text())
        await import_json(directory, kind, payload, admin)
        documents = records_of(payload)
        inputs, edges = sent(kind, documents)
        outputs, output_edges = await shown(directory, kind, [d["id"] for d in documents], admin)
        assert_nothing_lost_changed_or_invented(inputs, outputs)
        assert_nestings_kept(edges, output_edges, outputs)
        package = await directory.client.get("/export/tabular", headers=admin)
        assert_tabular_keeps(inputs, edges, tabular_rows(package.content))


SERVICE = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d01"
ORGANIZATION = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d02"
LOCATION = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d03"
PHONE = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d04"
SCHEDULE = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d05"
SAL = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d06"
CONTACT = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d07"
ATTRIBUTE = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d08"
TERM = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d09"
TAXONOMY = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d0a"
PROGRAM = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d0b"
METADATA = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d0c"
NESTED_TERM = "5b9f0a52-7e43-4f0c-9b1d-2f9e6a1c0d0d"

ORGANIZATION_DOC: dict[str, Any] = {
    "id": ORGANIZATION,
    "name": "Leeds Advice Trust",
    "description": "Free advice in Leeds.",
    "email": "hello@example.org",
    "website": "https://example.org",
    "tax_id": "GB-123",
    "year_incorporated": 1998,
    "legal_status": "charity",
    "additional_websites": [{"id": "w1", "url": "https://example.org/cy"}],
    "locations": [
        {
            "id": LOCATION,
            "location_type": "physical",
            "name": "Leeds office",
            "latitude": 53.7997,
            "longitude": -1.5492,
            "floor": "2",
        }
    ],
    "programs": [{"id": PROGRAM, "name": "Advice", "description": "Our advice programme."}],
}
SERVICE_DOC: dict[str, Any] = {
    "id": SERVICE,
    "name": "Housing advice",
    "status": "active",
    "email": "housing@example.org",
    "additional_urls": [{"id": "u1", "url": "https://example.org/housing", "label": "Info"}],
    "capacities": [{"id": "c1", "available": 3, "maximum": 10, "unit": {"id": "u", "name": "p"}}],
    "organization": {"id": ORGANIZATION, "name": "Leeds Advice Trust", "description": "Short."},
    "phones": [{"id": PHONE, "number": "0113 000 0000", "type": "voice"}],
    "contacts": [
        {
            "id": CONTACT,
            "name": "Duty adviser",
            "phones": [{"id": PHONE, "number": "0113 000 0000"}],
        }
    ],
    "schedules": [{"id": SCHEDULE, "opens_at": "09:00", "closes_at": "17:00", "freq": "WEEKLY"}],
    "service_at_locations": [
        {
            "id": SAL,
            "service_areas": [{"id": "a1", "name": "Leeds", "extent_type": "geojson"}],
            "schedules": [{"id": SCHEDULE, "opens_at": "09:00", "closes_at": "17:00"}],
            "location": {"id": LOCATION, "location_type": "physical", "name": "Leeds office"},
        }
    ],
    "attributes": [
        {
            "id": ATTRIBUTE,
            "link_entity": "Service",
            "label": "Walk-in",
            "value": "yes",
            "taxonomy_term": {
                "id": TERM,
                "name": "Walk-in",
                "description": "No appointment needed.",
                "taxonomy_detail": {
                    "id": TAXONOMY,
                    "name": "Access",
                    "description": "How to get in.",
                    "taxonomy_terms": [
                        {"id": NESTED_TERM, "name": "Phone", "description": "By phone."}
                    ],
                },
            },
        }
    ],
    "metadata": [
        {
            "id": METADATA,
            "resource_type": "SERVICE",
            "last_action_date": "2024-05-01",
            "last_action_type": "create",
            "field_name": "name",
            "previous_value": "(none)",
            "replacement_value": "Housing advice",
            "updated_by": "import",
        }
    ],
}


async def test_a_31_document_keeps_extras_shared_children_and_stored_fields(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    directory = await admin_directory(start_service, backend, mint)
    admin = bearer(mint("network_admin"))
    await import_json(directory, "organization", ORGANIZATION_DOC, admin)
    answer = await import_json(directory, "service", SERVICE_DOC, admin)
    kept = {(k["object"], k["id"]): k["fields"] for k in answer["kept"]}
    assert kept[("service", SERVICE)] == ["additional_urls", "capacities"]
    assert kept[("service_at_location", SAL)] == ["service_areas"]
    assert kept[("attribute", ATTRIBUTE)] == ["label"]

    organization = (
        await directory.client.get(f"/organizations/{ORGANIZATION}?full_service=true")
    ).json()
    for name in ("email", "website", "tax_id", "year_incorporated", "legal_status"):
        assert organization[name] == ORGANIZATION_DOC[name], name
    assert organization["description"] == "Short."  # sent last, so it wins
    assert organization["additional_websites"] == ORGANIZATION_DOC["additional_websites"]
    (location,) = organization["locations"]
    assert (location["latitude"], location["longitude"], location["floor"]) == (
        53.7997,
        -1.5492,
        "2",
    )
    assert [p["id"] for p in organization["programs"]] == [PROGRAM]

    service = (await directory.client.get(f"/services/{SERVICE}")).json()
    for name in ("additional_urls", "capacities", "email"):
        assert service[name] == SERVICE_DOC[name], name
    for invented in ("time_zone", "closes_on_public_holidays", "categories", "intake"):
        assert invented not in service, invented
    assert [p["id"] for p in service["phones"]] == [PHONE]
    assert [p["id"] for p in service["contacts"][0]["phones"]] == [PHONE]
    assert [s["id"] for s in service["schedules"]] == [SCHEDULE]
    (sal,) = service["service_at_locations"]
    assert [s["id"] for s in sal["schedules"]] == [SCHEDULE]
    assert sal["service_areas"] == SERVICE_DOC["service_at_locations"][0]["service_areas"]
    assert "district" not in sal["location"] and "confidential" not in sal["location"]
    (attribute,) = service["attributes"]
    assert (attribute["link_entity"], attribute["label"]) == ("Service", "Walk-in")
    assert service["metadata"][0]["resource_type"] == "SERVICE"

    inputs, edges = sent("service", [SERVICE_DOC])
    inputs.update(sent("organization", [ORGANIZATION_DOC])[0])
    inputs[("organization", ORGANIZATION)]["description"] = "Short."
    inputs[("location", LOCATION)].update(latitude=53.7997, longitude=-1.5492, floor="2")
    inputs[("schedule", SCHEDULE)]["freq"] = "WEEKLY"
    inputs[("phone", PHONE)]["type"] = "voice"
    outputs, output_edges = await shown(directory, "service", [SERVICE], admin)
    more, more_edges = await shown(directory, "organization", [ORGANIZATION], admin)
    outputs.update(more)
    assert_nothing_lost_changed_or_invented(inputs, outputs)
    assert_nestings_kept(edges, output_edges | more_edges, outputs)

    package = await directory.client.get("/export/tabular", headers=admin)
    rows = tabular_rows(package.content)
    assert_tabular_keeps(inputs, edges, rows)
    terms = {r["id"]: r for r in rows["taxonomy_term"]}
    assert terms[NESTED_TERM]["taxonomy_id"] == TAXONOMY

    # The package imports elsewhere with the same extra columns, kept as sent again.
    target = await admin_directory(start_service, backend, mint)
    imported = await target.client.post("/import/tabular", content=package.content, headers=admin)
    assert imported.status_code == 200, imported.text
    again = (await target.client.get(f"/services/{SERVICE}")).json()
    assert again["attributes"][0]["label"] == "Walk-in"
    assert json.loads(again["additional_urls"]) == SERVICE_DOC["additional_urls"]
    assert again["schedules"][0]["opens_at"] == "09:00:00"

    # Absent keeps what is stored; an explicit null clears (where the schema allows null).
    cleared = {k: v for k, v in SERVICE_DOC.items() if k != "email"} | {"capacities": None}
    await import_json(directory, "service", cleared, admin)
    after = (await directory.client.get(f"/services/{SERVICE}")).json()
    assert "capacities" not in after and after["email"] == SERVICE_DOC["email"]
    assert after["additional_urls"] == SERVICE_DOC["additional_urls"]


async def test_an_invalid_enum_is_refused_naming_the_field(
    start_service: StartService, mint: Mint
) -> None:
    directory = await admin_directory(start_service, "sqlite", mint)
    admin = bearer(mint("network_admin"))
    await import_json(directory, "service", SERVICE_DOC, admin)
    bogus = copy.deepcopy(SERVICE_DOC) | {"status": "bogus", "name": "Changed"}
    response = await directory.client.post(
        "/import", params={"kind": "service"}, json=bogus, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["code"] == "hsds-invalid"
    assert "[0].status" in {e["field"] for e in response.json()["errors"]}
    assert (await directory.client.get(f"/services/{SERVICE}")).json()["name"] == "Housing advice"


def validate(folder: Path, descriptor: dict[str, Any]) -> list[str]:
    """Frictionless's errors for the CSV files in `folder` against a package descriptor.

    A reference to a record nobody sent (the standard's own CSV example has one) is the data
    as sent, not the export's doing: such foreign-key errors are left out once checked.
    """
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.Package(str(folder / "datapackage.json")).validate()
    errors = [e for task in report.tasks for e in task.errors]
    exported = {row["id"] for path in folder.glob("*.csv") for row in csv.DictReader(path.open())}
    for error in errors:
        if error.type == "foreign-key":
            (missing,) = re.findall(r'values "([^"]+)"', error.message)
            assert missing not in exported, error.message
    return [f"{e.type}: {e.message}" for e in errors if e.type != "foreign-key"][:20]


async def test_the_tabular_export_meets_the_standard_descriptor(
    start_service: StartService, backend: str, mint: Mint, tmp_path: Path
) -> None:
    directory = await admin_directory(start_service, backend, mint)
    admin = bearer(mint("network_admin"))
    for stem, kind in KINDS.items():
        await import_json(
            directory, kind, json.loads((EXAMPLES / f"{stem}.json").read_text()), admin
        )
    csvs = {p.name: p.read_text() for p in (EXAMPLES / "csv").glob("*.csv")}
    imported = await directory.client.post("/import/tabular", content=zipped(csvs), headers=admin)
    assert imported.status_code == 200, imported.text
    package = await directory.client.get("/export/tabular", headers=admin)
    zipfile.ZipFile(io.BytesIO(package.content)).extractall(tmp_path / "standard")
    standard = json.loads((HSDS / "datapackage.json").read_text())
    assert validate(tmp_path / "standard", standard) == []

    # With fields HSDS does not define, the package's own descriptor declares them.
    await import_json(directory, "organization", ORGANIZATION_DOC, admin)
    await import_json(directory, "service", SERVICE_DOC, admin)
    package = await directory.client.get("/export/tabular", headers=admin)
    archive = zipfile.ZipFile(io.BytesIO(package.content))
    archive.extractall(tmp_path / "own")
    own = json.loads(archive.read("datapackage.json"))
    assert validate(tmp_path / "own", own) == []
    services = next(r for r in own["resources"] if r["name"] == "service")
    assert {"additional_urls", "capacities"} <= {f["name"] for f in services["schema"]["fields"]}
