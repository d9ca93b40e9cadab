"""Loading and dumping the directory: the sample data, and HSDS files imported or exported."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from harbour_directory import demo
from harbour_directory.hsds import render, tabular
from harbour_directory.hsds import repository as hsds_repository
from harbour_directory.hsds import service as hsds_service
from harbour_directory.hsds.ingest import KINDS, Batch, ingest_documents, unwrap
from harbour_directory.listings.schemas import ImportSummary
from harbour_directory.listings.service import save
from harbour_directory.settings import DirectorySettings
from harbour_directory.taxonomy.service import ensure_taxonomies
from harbour_kit.service import Service


async def seed(
    service: Service,
    settings: DirectorySettings | None = None,
    *,
    documents: list[dict[str, Any]] | None = None,
) -> int:
    """Writes the sample directory (or `documents`) unless there; returns how many services."""
    settings = settings or DirectorySettings()
    await ensure_taxonomies(service, settings)
    if documents is None:
        documents = demo.sample_directory()
    async with service.uow() as session:
        first = str(documents[0]["id"])
        if await hsds_repository.by_ids(session=session, table="organization", ids=[first]):
            return 0
        batch = ingest_documents("organization", documents, own=True)  # Harbour's own
        saved = await save(
            session, service.outbox, batch, principal=None, time_zone=settings.time_zone
        )
    return len(saved.services)


def read_batch(*, path: Path, kind: str | None) -> Batch:
    """The checked rows of an HSDS file: JSON records of `kind`, a CSV folder or a zip package."""
    if path.is_dir():
        return tabular.ingest_tabular(
            {p.name: p.read_text(encoding="utf-8-sig") for p in path.glob("*.csv")}
        )
    if path.suffix == ".zip":
        with zipfile.ZipFile(path):
            pass
        return tabular.ingest_tabular(tabular.unzip(path.read_bytes()))
    payload = json.loads(path.read_text(encoding="utf-8"))
    if kind is None:
        raise SystemExit("give --kind for a JSON file: " + ", ".join(KINDS))
    return ingest_documents(kind, unwrap(payload))


async def import_batch(*, service: Service, batch: Batch, time_zone: str) -> ImportSummary:
    """Saves a batch read from a file, as the system."""
    async with service.uow() as session:
        saved = await save(session, service.outbox, batch, principal=None, time_zone=time_zone)
    return saved.summary()


async def export_json(*, service: Service) -> str:
    """The whole directory as HSDS JSON text (organizations, nested, addresses shown)."""
    async with service.factory() as session:
        documents = await hsds_service.export_organizations(
            session=session, who=render.Viewer(public=False)
        )
    return json.dumps(documents, ensure_ascii=False, indent=1, default=str)


async def export_tabular(*, service: Service) -> dict[str, str]:
    """The whole directory as an HSDS CSV datapackage: text by file name."""
    async with service.factory() as session:
        return await hsds_service.export_tabular(session=session)
