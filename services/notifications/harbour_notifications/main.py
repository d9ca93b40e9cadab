"""Entry points: the ASGI application factory and the `harbour-notifications` command."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.service import Service
from harbour_notifications.inbox.endpoints import router as inbox_router
from harbour_notifications.inbox.handlers import HANDLERS as INBOX_HANDLERS
from harbour_notifications.models import metadata
from harbour_notifications.settings import NotificationsSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_service(settings: NotificationsSettings) -> Service:
    """Wires notifications: consumes `directory.*` (and later `referrals.*`)."""
    return Service(settings, metadata, produces=True, consumes={"directory": INBOX_HANDLERS})


def create(settings: NotificationsSettings | None = None) -> FastAPI:
    """The notifications service's ASGI application."""
    return create_app(
        build_service(settings or NotificationsSettings()),
        title="Harbour notifications",
        description="In-app inbox, e-mail, SMS and signed webhooks.",
        routers=[inbox_router],
    )


def main() -> None:
    """`harbour-notifications serve|migrate`."""
    run_service_cli(
        settings=NotificationsSettings(),
        app_path="harbour_notifications.main:create",
        migrations_dir=MIGRATIONS,
    )
