"""What the notifications code needs besides a session: settings, the secret cipher, the guard."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from harbour_kit.crypto import FieldCipher, key_ring
from harbour_kit.service import Service
from harbour_notifications.settings import NotificationsSettings
from harbour_notifications.webhooks.outbound import OutboundGuard, Resolve, system_resolve


@dataclass
class Runtime:
    """The notifications service's collaborators."""

    settings: NotificationsSettings
    cipher: FieldCipher
    guard: OutboundGuard


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
    runtime = Runtime(settings, cipher_from(settings), guard)
    _RUNTIMES[service] = runtime
    return runtime


def runtime_of(service: Service) -> Runtime:
    """The runtime attached to a service."""
    return _RUNTIMES[service]
