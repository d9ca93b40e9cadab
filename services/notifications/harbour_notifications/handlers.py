"""Events that become inbox items, notifications and queued deliveries (who hears what).

A handler runs in the consumer's transaction, and the event's id is part of every unique key
(inbox item, notification), so a redelivered event creates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from harbour_kit.events.consumer import BatchHandler
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


async def on_referrals(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """Inbox items, e-mails, SMS and webhooks for referral transitions, many at once."""
    events = [(e.id, ReferralTransitioned.model_validate(e.data)) for e in envelopes]
    services = {event.service_id for _, event in events}
    organizations = {
        o for _, e in events for o in (e.recipient_organization_id, e.referrer_organization_id)
    }
    listings = await _listings(session, services)
    names = await _organization_names(session, organizations)
    reaches: list[Reach] = []
    for event_id, event in events:
        listing = listings.get(event.service_id)
        recipient_name = (
            listing.organization_name
            if listing and listing.organization_name
            else names.get(event.recipient_organization_id, "")
        )
        for route in deliveries.routes(event):
            recipient = route.side == "recipient"
            # Each side hears the other organisation's name.
            other = names.get(event.referrer_organization_id, "") if recipient else recipient_name
            reaches.append(
                Reach(
                    event_id=event_id,
                    kind=route.kind,
                    organization_id=(
                        event.recipient_organization_id
                        if recipient
                        else event.referrer_organization_id
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
            )
    await _reach(session=session, reaches=reaches)


async def _listings(session: AsyncSession, service_ids: set[str]) -> dict[str, Listing]:
    """The known listings among `service_ids`, by service id."""
    rows = await session.exec(
        select(Listing).where(col(Listing.service_id).in_(sorted(service_ids)))
    )
    return {listing.service_id: listing for listing in rows.all()}


async def _organization_names(session: AsyncSession, organization_ids: set[str]) -> dict[str, str]:
    """Organisations' public names, from any of their listings (those without one left out)."""
    rows = await session.exec(
        select(Listing.organization_id, Listing.organization_name).where(
            col(Listing.organization_id).in_(sorted(organization_ids)),
            col(Listing.organization_name).is_not(None),
        )
    )
    names: dict[str, str] = {}
    for organization_id, name in rows.all():
        names.setdefault(organization_id, name or "")
    return names


async def on_deadline(session: AsyncSession, envelope: Envelope) -> None:
    """Reminds the receiving organisation of a referral's near deadline."""
    event = ReferralDeadlineApproaching.model_validate(envelope.data)
    listing = await session.get(Listing, event.service_id)
    reach = Reach(
        event_id=envelope.id,
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
    await _reach(session=session, reaches=[reach])


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


@dataclass(frozen=True)
class Reach:
    """One notification to an organisation's people in `roles`: inbox, channels, webhooks."""

    event_id: str
    kind: str
    organization_id: str
    roles: tuple[str, ...]
    referral_id: str
    context: dict[str, Any]
    facts: dict[str, Any]


async def _reach(*, session: AsyncSession, reaches: list[Reach]) -> None:
    """Inbox items, queued deliveries and webhooks of many notices, in a few statements."""
    runtime = runtime_in(session)
    public_url = runtime.settings.public_url.rstrip("/")
    posts: list[inbox.Post] = []
    told: list[deliveries.Told] = []
    for reach in reaches:
        context = {**reach.context, "link": f"{public_url}/referrals/{reach.referral_id}"}
        posts += [
            inbox.Post(
                event_id=reach.event_id,
                organization_id=reach.organization_id,
                role=role,
                kind=reach.kind,
                reference=str(context["reference"]),
                link=f"/referrals/{reach.referral_id}",
                facts=context,
            )
            for role in reach.roles
        ]
        notice = deliveries.Notice(
            event_id=reach.event_id,
            kind=reach.kind,
            organization_id=reach.organization_id,
            context=context,
        )
        payload = {**context, "referral_id": reach.referral_id, **reach.facts}
        told.append(deliveries.Told(notice=notice, roles=reach.roles, payload=payload))
    await inbox.post_many(session=session, outbox=runtime.outbox, posts=posts)
    await deliveries.tell_all(session=session, told=told)


HANDLERS: dict[str, Handler] = {
    ReferralTransitioned.event_type: BatchHandler(on_referrals),
    ReferralDeadlineApproaching.event_type: on_deadline,
    ServiceUpsertedV2.event_type: on_listing,
    ServiceCapacityChanged.event_type: on_capacity,
    ListingVerificationDue.event_type: on_verification_due,
    ListingReportReceived.event_type: on_report,
}
