"""Whole-directory HSDS 3.0 export (JSON and tabular) and reading uploaded packages."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_directory.hsds import render
from harbour_directory.hsds.fields import CSV_FILES, FIELDS, REQUIRED
from harbour_directory.models import HSDS
from harbour_kit.db import execute
from harbour_kit.errors import ValidationFailed

_TYPES = {"string": "string", "number": "number", "date": "date", "datetime": "datetime"}


async def export_organizations(
    session: AsyncSession, viewer: render.Viewer
) -> list[dict[str, Any]]:
    """Every organisation, nested with its services and locations (HSDS `organization` records)."""
    organization = HSDS["organization"]
    rows = await execute(
        session, select(organization).order_by(organization.c.name, organization.c.id)
    )
    return await render.render(
        session, "organization", [dict(r._mapping) for r in rows], render.ORGANIZATION_FULL, viewer
    )


async def export_tabular(session: AsyncSession) -> dict[str, str]:
    """The HSDS tabular package: one CSV per table and its `datapackage.json`."""
    files: dict[str, str] = {}
    resources = []
    for table, path in CSV_FILES.items():
        columns = [name for name, _ in FIELDS[table]]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        hsds = HSDS[table]
        for row in await execute(session, select(hsds).order_by(hsds.c.id)):
            writer.writerow([_cell(row._mapping[c]) for c in columns])
        files[path] = buffer.getvalue()
        resources.append(
            {
                "name": table,
                "path": path,
                "format": "csv",
                "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {
                    "fields": [
                        {
                            "name": name,
                            "type": _TYPES[kind],
                            "constraints": {"required": name in REQUIRED[table]},
                        }
                        for name, kind in FIELDS[table]
                    ],
                    "primaryKey": "id",
                },
            }
        )
    files["datapackage.json"] = json.dumps(
        {"name": "harbour-hsds", "profile": "tabular-data-package", "resources": resources},
        indent=2,
    )
    return files


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
