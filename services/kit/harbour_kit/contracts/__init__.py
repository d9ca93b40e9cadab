"""Versioned event contracts: the only shapes that cross service boundaries by NATS."""

from harbour_kit.contracts.directory import (
    ListingReportReceived,
    ListingVerificationDue,
    ServiceCapacityChanged,
    ServiceRemoved,
    ServiceUpserted,
    ServiceUpsertedV2,
)
from harbour_kit.contracts.notifications import (
    DeliveryFailed,
    InboxChanged,
    InboxChangedV2,
    InboxChangedV3,
)
from harbour_kit.contracts.referrals import (
    ConsentWithdrawn,
    ReferralDeadlineApproaching,
    ReferralTransitioned,
)
from harbour_kit.events.envelope import EventContract
from harbour_kit.events.registry import ContractRegistry

ALL_CONTRACTS: tuple[type[EventContract], ...] = (
    ServiceUpserted,
    ServiceUpsertedV2,
    ServiceRemoved,
    ServiceCapacityChanged,
    ListingVerificationDue,
    ListingReportReceived,
    ReferralTransitioned,
    ReferralDeadlineApproaching,
    ConsentWithdrawn,
    DeliveryFailed,
    InboxChanged,
    InboxChangedV2,
    InboxChangedV3,
)
# What the outbox checks an event against before recording it, and a consumer before handling it.
CONTRACTS = ContractRegistry(ALL_CONTRACTS)

__all__ = [
    "ALL_CONTRACTS",
    "CONTRACTS",
    "ConsentWithdrawn",
    "DeliveryFailed",
    "InboxChanged",
    "InboxChangedV2",
    "InboxChangedV3",
    "ListingReportReceived",
    "ListingVerificationDue",
    "ReferralDeadlineApproaching",
    "ReferralTransitioned",
    "ServiceCapacityChanged",
    "ServiceRemoved",
    "ServiceUpserted",
    "ServiceUpsertedV2",
]
