"""Entry points: the ASGI application factory and the `harbour-directory` command."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from harbour_directory import closures, seed, taxonomy
from harbour_directory.api import router as hsds_router
from harbour_directory.geo.geocoding import Geocoding
from harbour_directory.hsds import store
from harbour_directory.hsds.ingest import ingest_documents
from harbour_directory.models import HSDS, metadata
from harbour_directory.settings import DirectorySettings
from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.db import execute
from harbour_kit.service import Service

MIGRATIONS = Path(__file__).parent / "migrations"


def build_service(settings: DirectorySettings) -> Service:
    """Wires the directory: it publishes listing events and consumes none yet."""
    return Service(settings, metadata, produces=True)


async def ensure_taxonomies(service: Service, settings: DirectorySettings) -> None:
    """Writes Harbour's taxonomies when they are missing or out of date (they live in code)."""
    terms = HSDS["taxonomy_term"]
    async with service.uow() as session:
        count = (
            await execute(
                session, select(func.count()).where(terms.c.id.in_([t.id for t in taxonomy.TERMS]))
            )
        ).scalar_one()
        if count == len(taxonomy.TERMS):
            return
        batch = ingest_documents("taxonomy_term", taxonomy.as_documents())
        await store.apply(session, batch, time_zone=settings.time_zone)


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
        routers=[hsds_router, closures.router],
        on_startup=startup,
    )
    app.state.geocoding = Geocoding(
        settings.geocoder, settings.geocoder_options, settings.geocoder_cache_size
    )
    return app


def main() -> None:
    """`harbour-directory serve|migrate|seed|import|export`."""
    run_service_cli(
        settings=DirectorySettings(),
        app_path="harbour_directory.main:create",
        migrations_dir=MIGRATIONS,
        extra={"seed": seed.run, "import": seed.import_file, "export": seed.export_file},
    )
