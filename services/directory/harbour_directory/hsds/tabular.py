"""The HSDS 3.0 tabular package: CSV files and their `datapackage.json`, read, written, zipped."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from harbour_directory.hsds import validation
from harbour_directory.hsds.fields import CSV_FILES, EXTRA, FIELDS, REQUIRED, TIMES
from harbour_directory.hsds.ingest import Batch, scalar
from harbour_kit.errors import ValidationFailed

_TYPES = {"string": "string", "number": "number", "date": "date", "datetime": "datetime"}
# HSDS requires `postal_code` and a CSV cannot tell an empty one from a missing one.
NO_POSTCODE = "-"


def ingest_tabular(files: Mapping[str, str]) -> Batch:
    """Reads an HSDS tabular package: CSV text by file name (`services.csv`, …).

    The CSV text is read first (known files, required cells, numbers); the records read are
    then checked against the standard's JSON Schemas, as JSON documents are. Columns HSDS does
    not define are kept as sent, as extra fields are in JSON.
    """
    batch = Batch()
    by_file = {path: table for table, path in CSV_FILES.items()}
    unknown = sorted(set(files) - set(by_file) - {"datapackage.json"})
    for name in unknown:
        batch.fail(name, "is not an HSDS tabular file")
    read: list[tuple[str, str, dict[str, Any]]] = []
    for path, text in files.items():
        table = by_file.get(path)
        if table is not None:
            read += [(table, where, row) for where, row in _read(batch, table, path, text)]
    batch.raise_problems()
    validation.refuse(
        [
            {"field": f"{where}, {p['field']}", "message": p["message"]}
            for table, where, row in read
            for p in validation.problems(table, _record(table, row))
        ]
    )
    return batch


def _read(batch: Batch, table: str, path: str, text: str) -> list[tuple[str, dict[str, Any]]]:
    """The rows of one CSV file, by line, added to the batch; what cannot be read is a problem."""
    kinds = dict(FIELDS[table])
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    for name in REQUIRED[table]:
        if name not in header:
            batch.fail(f"{path} line 1", f"missing required column {name!r}")
    rows: list[tuple[str, dict[str, Any]]] = []
    for line, record in enumerate(reader, start=2):
        where = f"{path} line {line}"
        # Only the columns the file has: a column left out keeps what is stored.
        row: dict[str, Any] = {name: None for name in kinds if name in header}
        extra: dict[str, Any] = {}
        for column, raw in record.items():
            if column is None:
                continue
            if column not in kinds:
                if raw not in ("", None):
                    extra[column] = raw
                continue
            value: Any = raw if raw != "" else None
            if value is not None and kinds[column] == "number":
                try:
                    value = float(value)
                except ValueError:
                    batch.fail(f"{where}, {column}", "must be a number")
                    continue
            row[column] = scalar(batch, kinds[column], value, f"{where}, {column}")
        for name in REQUIRED[table]:
            if row.get(name) is None and not (table == "address" and name == "postal_code"):
                batch.fail(f"{where}, {name}", "is required")
        if extra:
            row[EXTRA] = extra
        if row.get("id"):
            if row["id"] in batch.rows.get(table, {}):
                batch.fail(f"{where}, id", "duplicate id")
            batch.add(table, row)
            rows.append((where, row))
    return rows


def _record(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row as the JSON record the schema checks: an empty cell is an absent field."""
    record = {name: value for name, value in row.items() if value is not None and name != EXTRA}
    if table == "address":
        record.setdefault("postal_code", "")  # Hong Kong addresses have no postcode
    return record


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list | bool):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _time(value: Any) -> Any:
    """An HSDS time as the tabular `time` type writes it: `HH:MM` gains its seconds."""
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        return f"{value}:00"
    return value


def _value(table: str, name: str, row: Mapping[str, Any]) -> str:
    """One cell of an exported row, in the form the datapackage types it."""
    if name not in dict(FIELDS[table]):
        return _cell((row.get(EXTRA) or {}).get(name))
    value = row.get(name)
    if (table, name) in TIMES:
        value = _time(value)
    if table == "address" and name == "postal_code" and not value:
        value = NO_POSTCODE
    return _cell(value)


def _extra_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The names of the fields kept as sent in any of these rows, in first-seen order."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.get(EXTRA) or {}))
    return list(names)


def _resource(table: str, path: str, extra: list[str]) -> dict[str, Any]:
    return {
        "name": table,
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "schema": {
            "fields": [
                {
                    "name": name,
                    "type": "time" if (table, name) in TIMES else _TYPES[kind],
                    "constraints": {"required": name in REQUIRED[table]},
                }
                for name, kind in FIELDS[table]
            ]
            + [{"name": name, "type": "string"} for name in extra],
            "primaryKey": "id",
        },
    }


def package(rows: Mapping[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The package of these rows (by table): one CSV per HSDS table and `datapackage.json`."""
    files: dict[str, str] = {}
    resources: list[dict[str, Any]] = []
    for table, path in CSV_FILES.items():
        extra = _extra_columns(rows.get(table, []))
        columns = [name for name, _ in FIELDS[table]] + extra
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows.get(table, []):
            writer.writerow([_value(table, c, row) for c in columns])
        files[path] = buffer.getvalue()
        resources.append(_resource(table, path, extra))
    files["datapackage.json"] = json.dumps(
        {"name": "harbour-hsds", "profile": "tabular-data-package", "resources": resources},
        indent=2,
    )
    return files


def zipped(files: Mapping[str, str]) -> bytes:
    """The files in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def unzip(data: bytes) -> dict[str, str]:
    """The CSV files of an uploaded zip, by file name (folders inside the zip are ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ValidationFailed(
            "The upload is not a zip file.", errors=[{"field": "file", "message": str(error)}]
        ) from None
    files: dict[str, str] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename.rsplit("/", 1)[-1]
            try:
                files[name] = archive.read(info).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationFailed(
                    "A file in the upload is not UTF-8 text.",
                    errors=[{"field": name, "message": "must be UTF-8 CSV"}],
                ) from None
    return files
