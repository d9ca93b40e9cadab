"""Rules of webhook endpoints: where they may point, their secrets, tests and removal."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.crypto import FieldCipher
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_notifications import templates
from harbour_notifications.deliveries import service as deliveries
from harbour_notifications.models import Delivery, Notification, WebhookEndpoint
from harbour_notifications.webhooks import repository, secrets
from harbour_notifications.webhooks.outbound import OutboundGuard, Refused

TEST_KIND = "webhook.test"
# The worker keeps a receiver's status only in the reason it writes ("… answered 500").
_ANSWERED = re.compile(r"^webhook receiver answered (\d{3})\b")


async def allowed(*, guard: OutboundGuard, url: str, kinds: Sequence[str]) -> str:
    """The URL, unless a type is unknown or the URL is or resolves to an address barred to hooks."""
    unknown = sorted(set(kinds) - set(templates.TYPES))
    if unknown:
        raise ValidationFailed(
            "Unknown types.", errors=[{"field": "kinds", "message": f"unknown: {unknown}"}]
        )
    try:
        await guard.check(url)
    except Refused as refused:
        raise ValidationFailed(
            "The webhook URL is not allowed.",
            code="url-not-allowed",
            errors=[{"field": "url", "message": str(refused)}],
        ) from None
    return url


def create(
    *,
    session: AsyncSession,
    cipher: FieldCipher,
    principal: Principal,
    url: str,
    kinds: Sequence[str],
    description: str | None,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the caller's organisation (URL checked by `allowed`) and its secret."""
    endpoint_id = str(uuid.uuid4())
    record, secret = secrets.issue(cipher, endpoint_id)
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        organization_id=principal.org_id or "",
        url=url,
        # Blank says nothing: kept as no description rather than an empty one.
        description=(description or "").strip() or None,
        kinds=list(kinds),
        secrets=[record],
        created_by=principal.sub,
    )
    session.add(endpoint)
    return endpoint, secret


async def own_endpoint(
    *, session: AsyncSession, principal: Principal, endpoint_id: str
) -> WebhookEndpoint:
    """An endpoint of the caller's organisation; 404 for any other, so none is revealed."""
    endpoint = await repository.get_endpoint(session=session, endpoint_id=endpoint_id)
    if endpoint is None or endpoint.organization_id != principal.org_id:
        raise NotFound("No such webhook endpoint.")
    return endpoint


async def rotate(
    *,
    session: AsyncSession,
    cipher: FieldCipher,
    principal: Principal,
    endpoint_id: str,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    """A new secret signs from now on; the old ones keep signing for the overlap."""
    endpoint = await own_endpoint(session=session, principal=principal, endpoint_id=endpoint_id)
    endpoint.secrets, secret = secrets.rotate(cipher, endpoint.id, endpoint.secrets, now)
    session.add(endpoint)
    return endpoint, secret


async def send_test(*, session: AsyncSession, principal: Principal, endpoint_id: str) -> Delivery:
    """Queues a test message to an endpoint."""
    endpoint = await own_endpoint(session=session, principal=principal, endpoint_id=endpoint_id)
    test = deliveries.Notice(
        event_id=f"test-{uuid.uuid4()}",
        kind=TEST_KIND,
        organization_id=endpoint.organization_id,
        context={"reference": "TEST", "link": ""},
    )
    notification = deliveries.add_notification(
        session=session, notice=test, recipient=f"webhook:{endpoint.id}"
    )
    return deliveries.queue(session=session, notification=notification, channel="webhook")


async def remove(*, session: AsyncSession, principal: Principal, endpoint_id: str) -> None:
    """Stops an endpoint receiving webhooks; its delivery log stays."""
    endpoint = await own_endpoint(session=session, principal=principal, endpoint_id=endpoint_id)
    endpoint.enabled = False
    session.add(endpoint)


async def set_enabled(
    *, session: AsyncSession, principal: Principal, endpoint_id: str, enabled: bool
) -> WebhookEndpoint:
    """Switches an endpoint on or off; off, it receives nothing until switched on again."""
    endpoint = await own_endpoint(session=session, principal=principal, endpoint_id=endpoint_id)
    endpoint.enabled = enabled
    session.add(endpoint)
    return endpoint


async def delivery_log(
    *, session: AsyncSession, principal: Principal, endpoint_id: str, after: str | None, limit: int
) -> tuple[Sequence[tuple[Delivery, Notification]], str | None]:
    """A page of an own endpoint's deliveries, newest first, and the `after` of the next page."""
    endpoint = await own_endpoint(session=session, principal=principal, endpoint_id=endpoint_id)
    before = None
    if after is not None:
        found = await repository.delivery_to(session=session, delivery_id=after)
        if found is None or found[1].recipient != repository.WEBHOOK + endpoint.id:
            raise ValidationFailed(
                "That page position is not in this log.",
                errors=[{"field": "after", "message": "is not a delivery of this endpoint"}],
            )
        before = found[0]
    rows = await repository.deliveries_to(
        session=session, endpoint_id=endpoint.id, before=before, limit=limit + 1
    )
    more = len(rows) > limit
    return rows[:limit], rows[limit - 1][0].id if more else None


async def redrive(
    *, session: AsyncSession, principal: Principal, delivery_id: str, now: datetime
) -> tuple[Delivery, Notification]:
    """Queues a given-up delivery to an own endpoint again; 404 for anyone else's."""
    found = await repository.delivery_to(session=session, delivery_id=delivery_id)
    if found is None or found[0].organization_id != principal.org_id:
        raise NotFound("No such webhook delivery.")
    delivery, notification = found
    await own_endpoint(
        session=session,
        principal=principal,
        endpoint_id=notification.recipient.removeprefix(repository.WEBHOOK),
    )
    return await deliveries.redrive(session=session, delivery_id=delivery.id, now=now), notification


def response_code(delivery: Delivery) -> int | None:
    """The HTTP status the receiver last answered, when its answer was the failure."""
    if delivery.status == "delivered":
        return None
    found = _ANSWERED.match(delivery.reason or "")
    return int(found.group(1)) if found else None
