"""What the referrals code needs besides a session: settings, the field cipher, the outbox."""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass

from harbour_kit.events.outbox import Outbox
from harbour_kit.service import Service
from harbour_referrals.crypto import FieldCipher, generate_key_setting
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
    if settings.encryption_keys is not None:
        return FieldCipher.from_setting(settings.encryption_keys.get_secret_value())
    path = settings.local_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(generate_key_setting("local1"))
    return FieldCipher.from_setting(path.read_text().strip())


def attach(service: Service, settings: ReferralsSettings) -> Runtime:
    """Gives a service its runtime."""
    runtime = Runtime(service, settings, cipher_from(settings))
    _RUNTIMES[service] = runtime
    return runtime


def runtime_of(service: Service) -> Runtime:
    """The runtime attached to a service."""
    return _RUNTIMES[service]
