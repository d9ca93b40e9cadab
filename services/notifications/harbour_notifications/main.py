"""Entry points: the ASGI application factory and the `harbour-notifications` command."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from harbour_kit.app import create_app
from harbour_kit.cli import run_service_cli
from harbour_kit.events import Handler
from harbour_kit.service import Service
from harbour_notifications.deliveries.endpoints import router as deliveries_router
from harbour_notifications.deliveries.worker import Deliverer
from harbour_notifications.handlers import HANDLERS
from harbour_notifications.inbox.endpoints import router as inbox_router
from harbour_notifications.models import metadata
from harbour_notifications.profile.endpoints import router as profile_router
from harbour_notifications.runtime import attach
from harbour_notifications.settings import NotificationsSettings
from harbour_notifications.webhooks.endpoints import router as webhooks_router
from harbour_notifications.webhooks.outbound import Resolve, system_resolve

MIGRATIONS = Path(__file__).parent / "migrations"


def _by_producer(*, handlers: dict[str, Handler]) -> dict[str, dict[str, Handler]]:
    """Handlers grouped by the service whose events they take (`harbour.<producer>.…`)."""
    grouped: dict[str, dict[str, Handler]] = {}
    for event_type, handler in handlers.items():
        grouped.setdefault(event_type.split(".")[1], {})[event_type] = handler
    return grouped


def build_service(settings: NotificationsSettings, *, resolve: Resolve = system_resolve) -> Service:
    """Wires notifications: consumes `referrals.*` and `directory.*`, sends deliveries."""
    service = Service(settings, metadata, produces=True, consumes=_by_producer(handlers=HANDLERS))
    deliverer = Deliverer(service, attach(service, settings, resolve=resolve))
    service.workers["deliveries"] = deliverer.run
    return service


def create(
    settings: NotificationsSettings | None = None, *, resolve: Resolve = system_resolve
) -> FastAPI:
    """The notifications service's ASGI application; `resolve` looks up webhook hosts."""
    return create_app(
        build_service(settings or NotificationsSettings(), resolve=resolve),
        title="Harbour notifications",
        description="In-app inbox, e-mail, SMS and signed webhooks.",
        routers=[inbox_router, profile_router, webhooks_router, deliveries_router],
    )


def main() -> None:
    """`harbour-notifications serve|migrate`."""
    run_service_cli(
        settings=NotificationsSettings(),
        app_path="harbour_notifications.main:create",
        migrations_dir=MIGRATIONS,
    )
