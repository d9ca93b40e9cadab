"""Rules of delivery: who hears about a referral event, on which channels, and re-driving.

Each (event, recipient, type) is one notification; the event's id is part of its unique key, so
a redelivered event queues nothing twice. Deliveries are queued rows; the worker sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.contracts import ReferralTransitioned
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_notifications.deliveries import repository
from harbour_notifications.models import Delivery, Notification

CHANNELS = ("email", "sms")
# Channels on unless the recipient turns them off; SMS only for what cannot wait.
DEFAULTS = {"email": True, "sms": False}
SMS_BY_DEFAULT = frozenset({"referral.received", "referral.deadline"})
DIGESTED = "referral.received"  # the one type a recipient may take as a digest e-mail
REDRIVABLE = ("failed", "bounced", "not_sent")
_BY_ACTION = {
    "acknowledge": "referral.acknowledged",
    "accept": "referral.accepted",
    "reject": "referral.rejected",
    "complete": "referral.completed",
    "fail": "referral.failed",
}


@dataclass(frozen=True)
class Notice:
    """What one event tells an organisation: a type, and the facts its messages are worded from."""

    event_id: str
    kind: str
    organization_id: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class Told:
    """A notice for an organisation's people in `roles`, and what its webhooks carry."""

    notice: Notice
    roles: Collection[str]
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Route:
    """One audience of a referral event."""

    kind: str
    side: str  # "recipient" or "referrer"


def routes(event: ReferralTransitioned) -> list[Route]:
    """The notifications a referral transition causes."""
    action = event.action
    if action == "send":
        found = [Route("referral.received", "recipient")]
        if event.link_kind == "forward":
            found.append(Route("referral.forwarded", "referrer"))
        return found
    if action in _BY_ACTION:
        return [Route(_BY_ACTION[action], "referrer")]
    if action == "expire":
        return [Route("referral.expired", "referrer"), Route("referral.expired", "recipient")]
    if action in ("cancel", "withdraw-consent") and event.previous_status not in (None, "draft"):
        return [Route("referral.cancelled", "recipient")]
    return []


def add_notification(*, session: AsyncSession, notice: Notice, recipient: str) -> Notification:
    """A notification of a notice for one recipient."""
    notification = Notification(
        id=str(uuid.uuid4()),
        event_id=notice.event_id,
        recipient=recipient,
        organization_id=notice.organization_id,
        kind=notice.kind,
        context=dict(notice.context),
    )
    session.add(notification)
    return notification


def queue(
    *, session: AsyncSession, notification: Notification, channel: str, status: str = "queued"
) -> Delivery:
    """A delivery of a notification on one channel, for the worker (or the digest) to send."""
    delivery = Delivery(
        id=str(uuid.uuid4()),
        notification_id=notification.id,
        organization_id=notification.organization_id,
        channel=channel,
        status=status,
    )
    session.add(delivery)
    return delivery


async def tell_all(*, session: AsyncSession, told: list[Told]) -> None:
    """Queues many notices to their organisations' people and webhooks, in a few statements.

    People, their choices and the endpoints are read once for all notices. A handler runs once
    per event (the consumer's event inbox) and a notification's unique key holds its event id,
    so only repeats within `told` need skipping, not rows already stored.
    """
    if not told:
        return
    organizations = {one.notice.organization_id for one in told}
    people = await repository.people_in(session=session, organization_ids=organizations)
    choices = await repository.choices_of(session=session, subs={p.sub for p in people})
    hooks = await repository.endpoints_in(session=session, organization_ids=organizations)
    now = datetime.now(UTC)
    notifications: dict[tuple[str, str, str], dict[str, Any]] = {}
    queued: list[dict[str, Any]] = []

    def add(notice: Notice, recipient: str, context: Mapping[str, Any]) -> str | None:
        key = (notice.event_id, recipient, notice.kind)
        if key in notifications:
            return None
        notification_id = str(uuid.uuid4())
        notifications[key] = {
            "id": notification_id,
            "event_id": notice.event_id,
            "recipient": recipient,
            "organization_id": notice.organization_id,
            "kind": notice.kind,
            "context": dict(context),
            "created_at": now,
        }
        return notification_id

    def delivery(notice: Notice, notification_id: str, channel: str, status: str) -> None:
        queued.append(
            {
                "id": str(uuid.uuid4()),
                "notification_id": notification_id,
                "organization_id": notice.organization_id,
                "channel": channel,
                "status": status,
                "reason": None,
                "attempts": 0,
                "next_attempt_at": now,
                "provider": None,
                "created_at": now,
                "updated_at": now,
            }
        )

    for one in told:
        notice, roles = one.notice, set(one.roles)
        for person in people:
            if person.organization_id != notice.organization_id or not set(person.roles) & roles:
                continue
            notification_id = add(notice, person.sub, notice.context)
            if notification_id is None:
                continue
            for channel, status in _chosen(person, notice.kind, choices):
                delivery(notice, notification_id, channel, status)
        for hook in hooks:
            if hook.organization_id != notice.organization_id:
                continue
            if hook.kinds and notice.kind not in hook.kinds:
                continue
            notification_id = add(notice, f"webhook:{hook.id}", one.payload)
            if notification_id is not None:
                delivery(notice, notification_id, "webhook", "queued")
    if notifications:
        await repository.add_notifications(session=session, rows=list(notifications.values()))
    if queued:
        await repository.add_deliveries(session=session, rows=queued)


def _chosen(
    person: repository.Person, kind: str, choices: Mapping[tuple[str, str, str], bool]
) -> list[tuple[str, str]]:
    """(channel, status) of each delivery for a person: channels with an address, not off."""
    found = []
    for channel in CHANNELS:
        address = person.email if channel == "email" else person.phone
        default = DEFAULTS[channel] or (channel == "sms" and kind in SMS_BY_DEFAULT)
        if not address or not choices.get((person.sub, kind, channel), default):
            continue
        digest = channel == "email" and kind == DIGESTED and person.digest_minutes
        found.append((channel, "digest" if digest else "queued"))
    return found


async def redrive(*, session: AsyncSession, delivery_id: str, now: datetime) -> Delivery:
    """Queues a delivery that was given up on again, from its first attempt."""
    delivery = await repository.get_delivery(session=session, delivery_id=delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status not in REDRIVABLE:
        raise ValidationFailed(
            "Only a delivery that was given up on is re-driven.",
            errors=[{"field": "status", "message": f"is {delivery.status}"}],
        )
    delivery.status, delivery.attempts, delivery.reason = "queued", 0, None
    delivery.next_attempt_at = now
    session.add(delivery)
    return delivery
