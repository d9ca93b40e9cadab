"""What the notifications code needs besides a session: settings, the secret cipher, the guard."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import cast

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.crypto import FieldCipher, key_ring
from harbour_kit.events.outbox import Outbox
from harbour_kit.service import Service
from harbour_notifications.settings import NotificationsSettings
from harbour_notifications.webhooks.outbound import OutboundGuard, Resolve, system_resolve

_SESSION_KEY = "harbour_notifications.runtime"


@dataclass
class Runtime:
    """The notifications service's collaborators."""

    settings: NotificationsSettings
    cipher: FieldCipher
    guard: OutboundGuard
    outbox: Outbox


_RUNTIMES: weakref.WeakKeyDictionary[Service, Runtime] = weakref.WeakKeyDictionary()


def cipher_from(settings: NotificationsSettings) -> FieldCipher:
    """The configured keys, or (embedded default) a key generated once under the data folder."""
    keys = settings.encryption_keys
    return key_ring(keys.get_secret_value() if keys else None, local_file=settings.local_key_path)


def attach(
    service: Service, settings: NotificationsSettings, *, resolve: Resolve = system_resolve
) -> Runtime:
    """Gives a service its runtime; `resolve` looks up webhook hosts (getaddrinfo by default)."""
    guard = OutboundGuard(settings.webhook_allowed_private, resolve=resolve)
    runtime = Runtime(settings, cipher_from(settings), guard, service.outbox)
    _RUNTIMES[service] = runtime
    # Event handlers are given only a session: each session of the service carries the runtime.
    service.factory.configure(info={_SESSION_KEY: runtime})
    return runtime


def runtime_of(service: Service) -> Runtime:
    """The runtime attached to a service."""
    return _RUNTIMES[service]


def runtime_in(session: AsyncSession) -> Runtime:
    """The runtime of the service whose session this is."""
    return cast(Runtime, session.info[_SESSION_KEY])
