"""What the referrals code needs besides a session: settings, the field cipher, the outbox."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from harbour_kit.crypto import FieldCipher, key_ring
from harbour_kit.events.outbox import Outbox
from harbour_kit.service import Service
from harbour_referrals.settings import ReferralsSettings


@dataclass
class Runtime:
    """The referrals service's collaborators."""

    service: Service
    settings: ReferralsSettings
    cipher: FieldCipher

    @property
    def outbox(self) -> Outbox:
        return self.service.outbox


_RUNTIMES: weakref.WeakKeyDictionary[Service, Runtime] = weakref.WeakKeyDictionary()


def cipher_from(settings: ReferralsSettings) -> FieldCipher:
    """The configured keys, or (embedded default) a key generated once under the data folder."""
    keys = settings.encryption_keys
    return key_ring(keys.get_secret_value() if keys else None, local_file=settings.local_key_path)


def attach(service: Service, settings: ReferralsSettings) -> Runtime:
    """Gives a service its runtime."""
    runtime = Runtime(service, settings, cipher_from(settings))
    _RUNTIMES[service] = runtime
    return runtime


def runtime_of(service: Service) -> Runtime:
    """The runtime attached to a service."""
    return _RUNTIMES[service]
