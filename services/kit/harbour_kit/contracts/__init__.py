"""Versioned event contracts: the only shapes that cross service boundaries by NATS."""

from harbour_kit.contracts.directory import (
    ServiceCapacityChanged,
    ServiceRemoved,
    ServiceUpserted,
)
from harbour_kit.contracts.notifications import DeliveryFailed, InboxChanged
from harbour_kit.contracts.referrals import (
    ConsentWithdrawn,
    ReferralDeadlineApproaching,
    ReferralTransitioned,
)
from harbour_kit.events.envelope import EventContract

ALL_CONTRACTS: tuple[type[EventContract], ...] = (
    ServiceUpserted,
    ServiceRemoved,
    ServiceCapacityChanged,
    ReferralTransitioned,
    ReferralDeadlineApproaching,
    ConsentWithdrawn,
    DeliveryFailed,
    InboxChanged,
)

__all__ = [
    "ALL_CONTRACTS",
    "ConsentWithdrawn",
    "DeliveryFailed",
    "InboxChanged",
    "ReferralDeadlineApproaching",
    "ReferralTransitioned",
    "ServiceCapacityChanged",
    "ServiceRemoved",
    "ServiceUpserted",
]
