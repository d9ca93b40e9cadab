"""Commands that load and dump the directory: the sample data, HSDS import and export."""

from __future__ import annotations

import argparse
import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any

from harbour_directory import listings
from harbour_directory.hsds import portability, render
from harbour_directory.hsds.ingest import KINDS, Batch, ingest_documents, ingest_tabular, unwrap
from harbour_directory.models import HSDS
from harbour_directory.settings import DirectorySettings
from harbour_kit.errors import ValidationFailed
from harbour_kit.service import Service


async def seed(
    service: Service,
    settings: DirectorySettings | None = None,
    *,
    documents: list[dict[str, Any]] | None = None,
) -> int:
    """Writes the sample directory (or `documents`) unless there; returns how many services."""
    from harbour_directory.hsds import load
    from harbour_directory.main import ensure_taxonomies

    settings = settings or DirectorySettings()
    await ensure_taxonomies(service, settings)
    if documents is None:
        from harbour_directory import demo

        documents = demo.sample_directory()
    async with service.uow() as session:
        first = str(documents[0]["id"])
        if await load.by_ids(session, HSDS["organization"], [first]):
            return 0
        batch = ingest_documents("organization", documents)
        saved = await listings.save(
            session, service.outbox, batch, principal=None, time_zone=settings.time_zone
        )
    return len(saved.services)


def _batch_from(path: Path, kind: str | None) -> Batch:
    if path.is_dir():
        return ingest_tabular(
            {p.name: p.read_text(encoding="utf-8-sig") for p in path.glob("*.csv")}
        )
    if path.suffix == ".zip":
        with zipfile.ZipFile(path):
            pass
        return ingest_tabular(portability.unzip(path.read_bytes()))
    payload = json.loads(path.read_text(encoding="utf-8"))
    if kind is None:
        raise SystemExit("give --kind for a JSON file: " + ", ".join(KINDS))
    return ingest_documents(kind, unwrap(payload))


def _with_service(work: object) -> None:
    from harbour_directory.main import build_service

    async def _run() -> None:
        service = build_service(DirectorySettings())
        try:
            await work(service)  # type: ignore[operator]
        finally:
            await service.engine.dispose()

    asyncio.run(_run())


def run(_: list[str]) -> None:
    """`harbour-directory seed`: writes the sample directory if it is missing."""

    async def work(service: Service) -> None:
        print(f"seeded {await seed(service)} sample services")

    _with_service(work)


def import_file(argv: list[str]) -> None:
    """`harbour-directory import PATH [--kind K]`: HSDS JSON, a CSV folder or a zip package."""
    parser = argparse.ArgumentParser(prog="harbour-directory import")
    parser.add_argument("path", type=Path)
    parser.add_argument("--kind", choices=KINDS)
    args = parser.parse_args(argv)
    settings = DirectorySettings()

    async def work(service: Service) -> None:
        try:
            batch = _batch_from(args.path, args.kind)
        except ValidationFailed as failed:
            for error in failed.errors:
                print(f"  {error['field']}: {error['message']}")
            raise SystemExit(failed.detail) from None
        async with service.uow() as session:
            saved = await listings.save(
                session, service.outbox, batch, principal=None, time_zone=settings.time_zone
            )
        print(json.dumps(saved.summary(), indent=2))

    _with_service(work)


def export_file(argv: list[str]) -> None:
    """`harbour-directory export PATH`: HSDS JSON (`.json`) or a CSV datapackage (a folder)."""
    parser = argparse.ArgumentParser(prog="harbour-directory export")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)

    async def work(service: Service) -> None:
        async with service.factory() as session:
            if args.path.suffix == ".json":
                documents = await portability.export_organizations(
                    session, render.Viewer(public=False)
                )
                args.path.write_text(
                    json.dumps(documents, ensure_ascii=False, indent=1, default=str)
                )
            else:
                args.path.mkdir(parents=True, exist_ok=True)
                for name, content in (await portability.export_tabular(session)).items():
                    (args.path / name).write_text(content, encoding="utf-8")
        print(f"exported to {args.path}")

    _with_service(work)
