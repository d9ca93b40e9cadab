"""Entry points: the ASGI application factory and the `harbour-directory` command."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from harbour_directory import seed
from harbour_directory.listings.endpoints import router as listings_router
from harbour_directory.models import metadata
from harbour_directory.settings import DirectorySettings
from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.service import Service

MIGRATIONS = Path(__file__).parent / "migrations"


def build_service(settings: DirectorySettings) -> Service:
    """Wires the directory: it publishes listing events and consumes none yet."""
    return Service(settings, metadata, produces=True)


def create(settings: DirectorySettings | None = None) -> FastAPI:
    """The directory's ASGI application."""
    service = build_service(settings or DirectorySettings())
    return create_app(
        service,
        title="Harbour directory",
        description="Open Referral HSDS 3.0 directory of partner services.",
        routers=[listings_router],
    )


def main() -> None:
    """`harbour-directory serve|migrate|seed`."""
    run_service_cli(
        settings=DirectorySettings(),
        app_path="harbour_directory.main:create",
        migrations_dir=MIGRATIONS,
        extra={"seed": seed.run},
    )
