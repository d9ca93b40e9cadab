"""Events the notifications service publishes: ids and codes only."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from harbour_kit.auth import Role
from harbour_kit.contracts.vocabulary import (
    DeliveryChannel,
    InboxKind,
    InboxKindV3,
    NotificationKind,
)
from harbour_kit.events.envelope import EventContract


class DeliveryFailed(EventContract):
    """A message could not be delivered and was given up on (it can be re-driven)."""

    event_type: ClassVar[str] = "harbour.notifications.delivery.failed.v1"

    delivery_id: str
    notification_kind: NotificationKind
    channel: DeliveryChannel
    organization_id: str | None
    reason: str
    attempts: int
    occurred_at: datetime


class InboxChanged(EventContract):
    """An organisation's inbox changed (for live updates)."""

    event_type: ClassVar[str] = "harbour.notifications.inbox.changed.v1"

    organization_id: str
    item_id: str
    kind: NotificationKind
    audience_role: Role
    occurred_at: datetime


class InboxChangedV2(EventContract):
    """An organisation's inbox changed (for live updates), of any inbox kind.

    Published beside v1 (which is sent only for the kinds it knows) until no consumer reads v1.
    """

    event_type: ClassVar[str] = "harbour.notifications.inbox.changed.v2"

    organization_id: str
    item_id: str
    kind: InboxKind
    audience_role: Role
    occurred_at: datetime


class InboxChangedV3(EventContract):
    """An organisation's inbox changed (for live updates), of any inbox kind, reports included.

    Published beside v2 (sent only for the kinds it knows) until no consumer reads v2.
    """

    event_type: ClassVar[str] = "harbour.notifications.inbox.changed.v3"

    organization_id: str
    item_id: str
    kind: InboxKindV3
    audience_role: Role
    occurred_at: datetime
