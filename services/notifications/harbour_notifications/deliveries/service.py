"""Rules of delivery: who hears about a referral event, on which channels, and re-driving.

Each (event, recipient, type) is one notification; the event's id is part of its unique key, so
a redelivered event queues nothing twice. Deliveries are queued rows; the worker sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.contracts import ReferralTransitioned
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_notifications.deliveries import repository
from harbour_notifications.models import Delivery, Notification, Recipient
from harbour_notifications.profile import repository as profiles
from harbour_notifications.webhooks import repository as webhooks

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


async def notify(*, session: AsyncSession, notice: Notice, recipient: str) -> Notification | None:
    """A new notification, or None when the recipient already has this one for the event."""
    if await repository.notification_exists(
        session=session, event_id=notice.event_id, recipient=recipient, kind=notice.kind
    ):
        return None
    return add_notification(session=session, notice=notice, recipient=recipient)


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


async def tell_people(*, session: AsyncSession, notice: Notice, roles: Collection[str]) -> None:
    """Queues a notice to each of its organisation's people in `roles`, on their channels."""
    people = await profiles.recipients_in(session=session, organization_id=notice.organization_id)
    for person in people:
        if not set(person.roles) & set(roles):
            continue
        notification = await notify(session=session, notice=notice, recipient=person.sub)
        if notification is not None:
            await _queue_chosen(session=session, person=person, notification=notification)


async def tell_webhooks(*, session: AsyncSession, notice: Notice) -> None:
    """Queues a notice to each enabled endpoint of its organisation subscribed to its type."""
    hooks = await webhooks.enabled_endpoints(
        session=session, organization_id=notice.organization_id
    )
    for hook in hooks:
        if hook.kinds and notice.kind not in hook.kinds:
            continue
        notification = await notify(session=session, notice=notice, recipient=f"webhook:{hook.id}")
        if notification is not None:
            queue(session=session, notification=notification, channel="webhook")


async def _queue_chosen(
    *, session: AsyncSession, person: Recipient, notification: Notification
) -> None:
    """One delivery per channel the person has an address for and has not switched off."""
    kind = notification.kind
    chosen = {
        p.channel: p.enabled
        for p in await profiles.preferences_of(session=session, sub=person.sub, kind=kind)
    }
    for channel in CHANNELS:
        address = person.email if channel == "email" else person.phone
        default = DEFAULTS[channel] or (channel == "sms" and kind in SMS_BY_DEFAULT)
        if not address or not chosen.get(channel, default):
            continue
        digest = channel == "email" and kind == DIGESTED and person.digest_minutes
        queue(
            session=session,
            notification=notification,
            channel=channel,
            status="digest" if digest else "queued",
        )


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
