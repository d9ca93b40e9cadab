"""Entry points: the ASGI application factory and the `harbour-referrals` command."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.service import Service
from harbour_referrals.models import metadata
from harbour_referrals.settings import ReferralsSettings
from harbour_referrals.targets.endpoints import router as targets_router
from harbour_referrals.targets.handlers import HANDLERS as TARGET_HANDLERS

MIGRATIONS = Path(__file__).parent / "migrations"


def build_service(settings: ReferralsSettings) -> Service:
    """Wires referrals: publishes `referrals.*`, consumes `directory.*`."""
    return Service(settings, metadata, produces=True, consumes={"directory": TARGET_HANDLERS})


def create(settings: ReferralsSettings | None = None) -> FastAPI:
    """The referrals service's ASGI application."""
    return create_app(
        build_service(settings or ReferralsSettings()),
        title="Harbour referrals",
        description="Closed-loop referrals with consent, minimal sharing and audit.",
        routers=[targets_router],
    )


def main() -> None:
    """`harbour-referrals serve|migrate`."""
    run_service_cli(
        settings=ReferralsSettings(),
        app_path="harbour_referrals.main:create",
        migrations_dir=MIGRATIONS,
    )
