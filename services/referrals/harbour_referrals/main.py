"""Entry points: the ASGI application factory and the `harbour-referrals` command."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fastapi import FastAPI

from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.service import Service
from harbour_referrals.audit.endpoints import router as audit_router
from harbour_referrals.consents.endpoints import router as consents_router
from harbour_referrals.models import metadata
from harbour_referrals.network import service as network
from harbour_referrals.network.endpoints import router as network_router
from harbour_referrals.notes.endpoints import router as notes_router
from harbour_referrals.referrals import clocks
from harbour_referrals.referrals.endpoints import router as referrals_router
from harbour_referrals.runtime import attach
from harbour_referrals.settings import ReferralsSettings
from harbour_referrals.targets.endpoints import router as targets_router
from harbour_referrals.targets.handlers import HANDLERS as TARGET_HANDLERS

MIGRATIONS = Path(__file__).parent / "migrations"


def build_service(settings: ReferralsSettings) -> Service:
    """Wires referrals: publishes `referrals.*`, consumes `directory.*`, sweeps deadlines."""
    service = Service(settings, metadata, produces=True, consumes={"directory": TARGET_HANDLERS})
    runtime = attach(service, settings)
    service.workers["clocks"] = lambda: clocks.run(runtime=runtime)
    return service


def create(settings: ReferralsSettings | None = None) -> FastAPI:
    """The referrals service's ASGI application."""
    return create_app(
        build_service(settings or ReferralsSettings()),
        title="Harbour referrals",
        description="Closed-loop referrals with consent, minimal sharing and audit.",
        routers=[
            targets_router,
            consents_router,
            referrals_router,
            notes_router,
            audit_router,
            network_router,
        ],
    )


def _purge(_: list[str]) -> None:
    """`harbour-referrals purge`: removes claimant details past the retention period."""
    settings = ReferralsSettings()

    async def work() -> None:
        service = build_service(settings)
        try:
            async with service.uow() as session:
                done = await network.purge(session, retention_days=settings.retention_days)
            print(json.dumps(done))
        finally:
            await service.engine.dispose()

    asyncio.run(work())


def main() -> None:
    """`harbour-referrals serve|migrate|purge`."""
    run_service_cli(
        settings=ReferralsSettings(),
        app_path="harbour_referrals.main:create",
        migrations_dir=MIGRATIONS,
        extra={"purge": _purge},
    )
