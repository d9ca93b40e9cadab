"""Versioned event contracts: the only shapes that cross service boundaries by NATS."""

from harbour_kit.contracts.directory import ServiceRemoved, ServiceUpserted
from harbour_kit.events.envelope import EventContract

ALL_CONTRACTS: tuple[type[EventContract], ...] = (ServiceUpserted, ServiceRemoved)

__all__ = ["ALL_CONTRACTS", "ServiceRemoved", "ServiceUpserted"]
