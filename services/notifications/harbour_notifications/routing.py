"""Who hears about what: referral events become inbox items, notifications and deliveries.

A handler runs in the consumer's transaction, and the event's id is part of every unique key
(inbox item, notification), so a redelivered event creates nothing twice. Deliveries are queued
rows; the delivery worker sends them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Role
from harbour_kit.contracts import (
    InboxChanged,
    ReferralDeadlineApproaching,
    ReferralTransitioned,
    ServiceCapacityChanged,
    ServiceUpserted,
)
from harbour_kit.events import Envelope, Handler
from harbour_kit.events.outbox import Outbox
from harbour_notifications import templates
from harbour_notifications.models import (
    Delivery,
    InboxItem,
    Listing,
    Notification,
    Preference,
    Recipient,
    WebhookEndpoint,
)

PARTNER = (Role.PARTNER_STAFF.value, Role.ORG_ADMIN.value)
REFERRER = (Role.SOCIAL_WORKER.value,)
CHANNELS = ("email", "sms")
# Types a recipient cannot switch off, by channel.
MANDATORY = {("referral.received", "inbox")}
# Channels on unless the recipient turns them off; SMS only for what cannot wait.
DEFAULTS = {"email": True, "sms": False}
SMS_BY_DEFAULT = {"referral.received", "referral.deadline"}


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
    simple = {
        "acknowledge": "referral.acknowledged",
        "accept": "referral.accepted",
        "reject": "referral.rejected",
        "complete": "referral.completed",
        "fail": "referral.failed",
    }
    if action in simple:
        return [Route(simple[action], "referrer")]
    if action == "expire":
        return [Route("referral.expired", "referrer"), Route("referral.expired", "recipient")]
    if action in ("cancel", "withdraw-consent") and event.previous_status not in (None, "draft"):
        return [Route("referral.cancelled", "recipient")]
    return []


class Router:
    """Routes events for one service instance (it needs the outbox and the public URL)."""

    def __init__(self, public_url: str) -> None:
        self.outbox: Outbox | None = None  # set once the service that owns it is built
        self.public_url = public_url.rstrip("/")

    @property
    def handlers(self) -> dict[str, dict[str, Handler]]:
        return {
            "referrals": {
                ReferralTransitioned.event_type: self.on_referral,
                ReferralDeadlineApproaching.event_type: self.on_deadline,
            },
            "directory": {
                ServiceUpserted.event_type: self.on_listing,
                ServiceCapacityChanged.event_type: self.on_capacity,
            },
        }

    async def on_listing(self, session: AsyncSession, envelope: Envelope) -> None:
        """Keeps service names for message text, and tells org admins their listing changed."""
        event = ServiceUpserted.model_validate(envelope.data)
        listing = await session.get(Listing, event.service_id)
        if listing is None or listing.version < event.version:
            listing = listing or Listing(
                service_id=event.service_id,
                organization_id=event.organization_id,
                name=event.name,
                version=event.version,
            )
            listing.organization_id, listing.name, listing.version = (
                event.organization_id,
                event.name,
                event.version,
            )
            session.add(listing)
        published = event.version == 1
        await self._inbox(
            session,
            envelope,
            organization_id=event.organization_id,
            role=Role.ORG_ADMIN.value,
            kind="listing.published" if published else "listing.updated",
            title=fit_title(
                ("Your listing is live: " if published else "Your listing changed: ") + event.name
            ),
            reference=f"S-{event.service_id[:8].upper()}",
            link=f"/listings/{event.service_id}",
        )

    async def on_capacity(self, session: AsyncSession, envelope: Envelope) -> None:
        """Tells org admins that a listing opened or closed its intake."""
        event = ServiceCapacityChanged.model_validate(envelope.data)
        listing = await session.get(Listing, event.service_id)
        name = listing.name if listing else event.service_id
        state = "taking referrals" if event.accepting_referrals else "not taking referrals"
        await self._inbox(
            session,
            envelope,
            organization_id=event.organization_id,
            role=Role.ORG_ADMIN.value,
            kind="listing.capacity",
            title=fit_title(f"{name} is now {state}"),
            reference=f"S-{event.service_id[:8].upper()}",
            link=f"/listings/{event.service_id}",
        )

    async def on_referral(self, session: AsyncSession, envelope: Envelope) -> None:
        """Inbox items, e-mails, SMS and webhooks for one referral transition."""
        event = ReferralTransitioned.model_validate(envelope.data)
        listing = await session.get(Listing, event.service_id)
        for route in routes(event):
            recipient = route.side == "recipient"
            await self._reach(
                session,
                envelope,
                kind=route.kind,
                organization_id=(
                    event.recipient_organization_id if recipient else event.referrer_organization_id
                ),
                roles=PARTNER if recipient else REFERRER,
                referral_id=event.referral_id,
                context={
                    "reference": event.reference,
                    "service_name": listing.name if listing else "",
                    "business_status": event.business_status,
                    "urgency": event.urgency,
                },
                facts={
                    "status": event.status,
                    "service_id": event.service_id,
                    "occurred_at": event.occurred_at.isoformat(),
                },
            )

    async def on_deadline(self, session: AsyncSession, envelope: Envelope) -> None:
        """Reminds the receiving organisation of a referral's near deadline."""
        event = ReferralDeadlineApproaching.model_validate(envelope.data)
        listing = await session.get(Listing, event.service_id)
        await self._reach(
            session,
            envelope,
            kind="referral.deadline",
            organization_id=event.recipient_organization_id,
            roles=PARTNER,
            referral_id=event.referral_id,
            context={
                "reference": event.reference,
                "service_name": listing.name if listing else "",
                "due_at": event.due_at.isoformat(),
                "step": event.step,
            },
            facts={
                "service_id": event.service_id,
                "occurred_at": event.occurred_at.isoformat(),
            },
        )

    async def _reach(
        self,
        session: AsyncSession,
        envelope: Envelope,
        *,
        kind: str,
        organization_id: str,
        roles: tuple[str, ...],
        referral_id: str,
        context: dict[str, object],
        facts: dict[str, object],
    ) -> None:
        """One notification to an organisation's people in `roles`: inbox, channels, webhooks."""
        link = f"{self.public_url}/referrals/{referral_id}"
        context = {**context, "link": link}
        due_at, status = context.get("due_at"), context.get("business_status")
        title = templates.render(
            kind,
            locale="en",
            reference=str(context["reference"]),
            link=link,
            service_name=str(context.get("service_name") or ""),
            business_status=status if isinstance(status, str) else None,
            due_at=datetime.fromisoformat(due_at) if isinstance(due_at, str) else None,
        ).title
        for role in roles:
            await self._inbox(
                session,
                envelope,
                organization_id=organization_id,
                role=role,
                kind=kind,
                title=title,
                reference=str(context["reference"]),
                link=f"/referrals/{referral_id}",
            )
        people = (
            await session.exec(
                select(Recipient).where(Recipient.organization_id == organization_id)
            )
        ).all()
        for person in people:
            if set(person.roles) & set(roles):
                await self._notify(session, envelope, person, kind, organization_id, context)
        hooks = (
            await session.exec(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.organization_id == organization_id,
                    col(WebhookEndpoint.enabled),
                )
            )
        ).all()
        payload = {**context, "referral_id": referral_id, **facts}
        for hook in hooks:
            if not hook.kinds or kind in hook.kinds:
                await self._webhook(session, envelope, hook, kind, organization_id, payload)

    async def _inbox(
        self,
        session: AsyncSession,
        envelope: Envelope,
        *,
        organization_id: str,
        role: str,
        kind: str,
        title: str,
        reference: str,
        link: str,
    ) -> None:
        existing = (
            await session.exec(
                select(InboxItem.id).where(
                    InboxItem.event_id == envelope.id,
                    InboxItem.organization_id == organization_id,
                    InboxItem.audience_role == role,
                    InboxItem.kind == kind,
                )
            )
        ).first()
        if existing is not None:
            return
        item = InboxItem(
            id=str(uuid.uuid4()),
            organization_id=organization_id,
            audience_role=role,
            kind=kind,
            title=title,
            reference=reference,
            link=link,
            event_id=envelope.id,
        )
        session.add(item)
        assert self.outbox is not None
        await self.outbox.add(
            session,
            InboxChanged(
                organization_id=organization_id,
                item_id=item.id,
                kind=kind,
                audience_role=role,
                occurred_at=datetime.now(UTC),
            ),
            subject=organization_id,
        )

    async def _notification(
        self,
        session: AsyncSession,
        envelope: Envelope,
        recipient: str,
        kind: str,
        org: str,
        context: dict[str, object],
    ) -> Notification | None:
        existing = (
            await session.exec(
                select(Notification.id).where(
                    Notification.event_id == envelope.id,
                    Notification.recipient == recipient,
                    Notification.kind == kind,
                )
            )
        ).first()
        if existing is not None:
            return None
        notification = Notification(
            id=str(uuid.uuid4()),
            event_id=envelope.id,
            recipient=recipient,
            organization_id=org,
            kind=kind,
            context=dict(context),
        )
        session.add(notification)
        return notification

    async def _notify(
        self,
        session: AsyncSession,
        envelope: Envelope,
        person: Recipient,
        kind: str,
        org: str,
        context: dict[str, object],
    ) -> None:
        notification = await self._notification(session, envelope, person.sub, kind, org, context)
        if notification is None:
            return
        choices = {
            p.channel: p.enabled
            for p in (
                await session.exec(
                    select(Preference).where(Preference.sub == person.sub, Preference.kind == kind)
                )
            ).all()
        }
        for channel in CHANNELS:
            address = person.email if channel == "email" else person.phone
            default = DEFAULTS[channel] or (channel == "sms" and kind in SMS_BY_DEFAULT)
            if not address or not choices.get(channel, default):
                continue
            digest = channel == "email" and kind == "referral.received" and person.digest_minutes
            session.add(
                Delivery(
                    id=str(uuid.uuid4()),
                    notification_id=notification.id,
                    organization_id=org,
                    channel=channel,
                    status="digest" if digest else "queued",
                )
            )

    async def _webhook(
        self,
        session: AsyncSession,
        envelope: Envelope,
        hook: WebhookEndpoint,
        kind: str,
        org: str,
        payload: dict[str, object],
    ) -> None:
        notification = await self._notification(
            session, envelope, f"webhook:{hook.id}", kind, org, payload
        )
        if notification is not None:
            session.add(
                Delivery(
                    id=str(uuid.uuid4()),
                    notification_id=notification.id,
                    organization_id=org,
                    channel="webhook",
                    status="queued",
                )
            )


TITLE_LIMIT = 200


def fit_title(title: str) -> str:
    """Shortens a title to the inbox's limit."""
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"
