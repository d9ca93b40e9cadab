"""Events that become inbox items, notifications and queued deliveries (who hears what).

A handler runs in the consumer's transaction, and the event's id is part of every unique key
(inbox item, notification), so a redelivered event creates nothing twice.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Role
from harbour_kit.contracts import (
    ListingReportReceived,
    ListingVerificationDue,
    ReferralDeadlineApproaching,
    ReferralTransitioned,
    ServiceCapacityChanged,
    ServiceUpsertedV2,
)
from harbour_kit.events import Envelope, Handler
from harbour_notifications.deliveries import service as deliveries
from harbour_notifications.inbox import service as inbox
from harbour_notifications.models import Listing
from harbour_notifications.runtime import runtime_in

PARTNER = (Role.PARTNER_STAFF.value, Role.ORG_ADMIN.value)
REFERRER = (Role.SOCIAL_WORKER.value,)


async def on_listing(session: AsyncSession, envelope: Envelope) -> None:
    """Keeps service and provider names for message text; tells org admins a listing changed."""
    event = ServiceUpsertedV2.model_validate(envelope.data)
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
        listing.organization_name = event.organization_name or None
        session.add(listing)
    await _tell_admins(
        session=session,
        envelope=envelope,
        organization_id=event.organization_id,
        service_id=event.service_id,
        kind="listing.published" if event.version == 1 else "listing.updated",
        facts={"service_name": event.name},
    )


async def _organization_name(session: AsyncSession, organization_id: str) -> str:
    """An organisation's public name, from any of its listings ("" when none is known)."""
    found = (
        await session.exec(
            select(Listing.organization_name).where(
                Listing.organization_id == organization_id,
                col(Listing.organization_name).is_not(None),
            )
        )
    ).first()
    return found or ""


async def on_capacity(session: AsyncSession, envelope: Envelope) -> None:
    """Tells org admins that a listing opened or closed its intake."""
    event = ServiceCapacityChanged.model_validate(envelope.data)
    listing = await session.get(Listing, event.service_id)
    await _tell_admins(
        session=session,
        envelope=envelope,
        organization_id=event.organization_id,
        service_id=event.service_id,
        kind="listing.capacity",
        facts={
            "service_name": listing.name if listing else event.service_id,
            "accepting_referrals": event.accepting_referrals,
        },
    )


async def on_verification_due(session: AsyncSession, envelope: Envelope) -> None:
    """Asks an organisation's admins to confirm that a stale listing is still right."""
    event = ListingVerificationDue.model_validate(envelope.data)
    await _tell_admins(
        session=session,
        envelope=envelope,
        organization_id=event.organization_id,
        service_id=event.service_id,
        kind="listing.verification",
        facts={
            "service_name": event.name,
            "assured_date": event.assured_date.isoformat() if event.assured_date else None,
        },
    )


async def on_report(session: AsyncSession, envelope: Envelope) -> None:
    """Tells an organisation's admins that someone reported one of their listings as wrong."""
    event = ListingReportReceived.model_validate(envelope.data)
    await _tell_admins(
        session=session,
        envelope=envelope,
        organization_id=event.organization_id,
        service_id=event.service_id,
        kind="listing.report",
        facts={"service_name": event.name, "report_kind": event.kind},
    )


async def on_referral(session: AsyncSession, envelope: Envelope) -> None:
    """Inbox items, e-mails, SMS and webhooks for one referral transition."""
    event = ReferralTransitioned.model_validate(envelope.data)
    listing = await session.get(Listing, event.service_id)
    recipient_name = (
        listing.organization_name
        if listing and listing.organization_name
        else await _organization_name(session, event.recipient_organization_id)
    )
    for route in deliveries.routes(event):
        recipient = route.side == "recipient"
        # Each side hears the other organisation's name.
        other = (
            await _organization_name(session, event.referrer_organization_id)
            if recipient
            else recipient_name
        )
        await _reach(
            session=session,
            envelope=envelope,
            kind=route.kind,
            organization_id=(
                event.recipient_organization_id if recipient else event.referrer_organization_id
            ),
            roles=PARTNER if recipient else REFERRER,
            referral_id=event.referral_id,
            context={
                "reference": event.reference,
                "service_name": listing.name if listing else "",
                "organization_name": other,
                "business_status": event.business_status,
                "urgency": event.urgency,
            },
            facts={
                "status": event.status,
                "service_id": event.service_id,
                "occurred_at": event.occurred_at.isoformat(),
            },
        )


async def on_deadline(session: AsyncSession, envelope: Envelope) -> None:
    """Reminds the receiving organisation of a referral's near deadline."""
    event = ReferralDeadlineApproaching.model_validate(envelope.data)
    listing = await session.get(Listing, event.service_id)
    await _reach(
        session=session,
        envelope=envelope,
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


async def _tell_admins(
    *,
    session: AsyncSession,
    envelope: Envelope,
    organization_id: str,
    service_id: str,
    kind: str,
    facts: dict[str, Any],
) -> None:
    """An inbox item about a listing for its organisation's admins."""
    await inbox.post(
        session=session,
        outbox=runtime_in(session).outbox,
        event_id=envelope.id,
        organization_id=organization_id,
        role=Role.ORG_ADMIN.value,
        kind=kind,
        reference=f"S-{service_id[:8].upper()}",
        link=f"/listings/{service_id}",
        facts=facts,
    )


async def _reach(
    *,
    session: AsyncSession,
    envelope: Envelope,
    kind: str,
    organization_id: str,
    roles: tuple[str, ...],
    referral_id: str,
    context: dict[str, Any],
    facts: dict[str, Any],
) -> None:
    """One notification to an organisation's people in `roles`: inbox, channels, webhooks."""
    runtime = runtime_in(session)
    public_url = runtime.settings.public_url.rstrip("/")
    context = {**context, "link": f"{public_url}/referrals/{referral_id}"}
    for role in roles:
        await inbox.post(
            session=session,
            outbox=runtime.outbox,
            event_id=envelope.id,
            organization_id=organization_id,
            role=role,
            kind=kind,
            reference=str(context["reference"]),
            link=f"/referrals/{referral_id}",
            facts=context,
        )
    notice = deliveries.Notice(
        event_id=envelope.id, kind=kind, organization_id=organization_id, context=context
    )
    await deliveries.tell_people(session=session, notice=notice, roles=roles)
    payload = {**context, "referral_id": referral_id, **facts}
    await deliveries.tell_webhooks(session=session, notice=replace(notice, context=payload))


HANDLERS: dict[str, Handler] = {
    ReferralTransitioned.event_type: on_referral,
    ReferralDeadlineApproaching.event_type: on_deadline,
    ServiceUpsertedV2.event_type: on_listing,
    ServiceCapacityChanged.event_type: on_capacity,
    ListingVerificationDue.event_type: on_verification_due,
    ListingReportReceived.event_type: on_report,
}
