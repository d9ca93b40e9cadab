"""Events between services: envelope, streams, outbox, consumers, dead letters."""

from harbour_kit.events.consumer import Handler, PermanentEventError
from harbour_kit.events.envelope import Envelope, EventContract

__all__ = ["Envelope", "EventContract", "Handler", "PermanentEventError"]
