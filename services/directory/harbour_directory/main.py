"""Entry points: the ASGI application factory and the `harbour-directory` command."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI

from harbour_directory import seed
from harbour_directory.closures.endpoints import router as closures_router
from harbour_directory.corrections.endpoints import router as corrections_router
from harbour_directory.geo.geocoding import Geocoding
from harbour_directory.history.endpoints import router as history_router
from harbour_directory.hsds.endpoints import router as hsds_router
from harbour_directory.hsds.ingest import KINDS
from harbour_directory.listings.endpoints import router as listings_router
from harbour_directory.models import metadata
from harbour_directory.search.endpoints import router as search_router
from harbour_directory.settings import DirectorySettings
from harbour_directory.taxonomy.endpoints import router as taxonomy_router
from harbour_directory.taxonomy.service import ensure_taxonomies
from harbour_directory.verification import clocks as verification_clocks
from harbour_directory.verification.endpoints import router as verification_router
from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.errors import ValidationFailed
from harbour_kit.service import Service

MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")


def build_service(settings: DirectorySettings) -> Service:
    """Wires the directory: it publishes listing events and consumes none yet."""
    service = Service(settings, metadata, produces=True)
    service.workers["verification"] = lambda: verification_clocks.run(service=service)
    return service


def create(settings: DirectorySettings | None = None) -> FastAPI:
    """The directory's ASGI application."""
    settings = settings or DirectorySettings()
    service = build_service(settings)

    async def startup() -> None:
        await ensure_taxonomies(service, settings)

    app = create_app(
        service,
        title="Harbour directory",
        description=(
            "Open Referral HSDS 3.0 directory of partner services, with geosearch (`lat`, `lng`,"
            " `radius`, `near`) and filters for the needs of people seeking protection."
        ),
        routers=[
            hsds_router,
            search_router,
            taxonomy_router,
            listings_router,
            closures_router,
            verification_router,
            corrections_router,
            history_router,
        ],
        on_startup=startup,
    )
    app.state.geocoding = Geocoding(
        settings.geocoder, settings.geocoder_options, settings.geocoder_cache_size
    )
    return app


def _with_service(work: Callable[[Service], Awaitable[T]]) -> T:
    """Runs `work` against a directory built from the environment's settings."""

    async def _run() -> T:
        service = build_service(DirectorySettings())
        try:
            return await work(service)
        finally:
            await service.engine.dispose()

    return asyncio.run(_run())


def _seed(_: list[str]) -> None:
    """`harbour-directory seed`: writes the sample directory if it is missing."""

    async def work(service: Service) -> None:
        print(f"seeded {await seed.seed(service)} sample services")

    _with_service(work)


def _import(argv: list[str]) -> None:
    """`harbour-directory import PATH [--kind K]`: HSDS JSON, a CSV folder or a zip package."""
    parser = argparse.ArgumentParser(prog="harbour-directory import")
    parser.add_argument("path", type=Path)
    parser.add_argument("--kind", choices=KINDS)
    args = parser.parse_args(argv)
    settings = DirectorySettings()

    async def work(service: Service) -> None:
        try:
            batch = seed.read_batch(path=args.path, kind=args.kind)
        except ValidationFailed as failed:
            for error in failed.errors:
                print(f"  {error['field']}: {error['message']}")
            raise SystemExit(failed.detail) from None
        summary = await seed.import_batch(
            service=service, batch=batch, time_zone=settings.time_zone
        )
        print(json.dumps(summary.model_dump(), indent=2))

    _with_service(work)


def _export(argv: list[str]) -> None:
    """`harbour-directory export PATH`: HSDS JSON (`.json`) or a CSV datapackage (a folder)."""
    parser = argparse.ArgumentParser(prog="harbour-directory export")
    parser.add_argument("path", type=Path)
    args = parser.parse_args(argv)

    path: Path = args.path
    if path.suffix == ".json":
        path.write_text(_with_service(lambda service: seed.export_json(service=service)))
    else:
        files = _with_service(lambda service: seed.export_tabular(service=service))
        path.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
    print(f"exported to {path}")


def main() -> None:
    """`harbour-directory serve|migrate|seed|import|export`."""
    run_service_cli(
        settings=DirectorySettings(),
        app_path="harbour_directory.main:create",
        migrations_dir=MIGRATIONS,
        extra={"seed": _seed, "import": _import, "export": _export},
    )
