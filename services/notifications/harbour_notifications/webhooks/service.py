"""Rules of webhook endpoints: where they may point, their secrets, tests and removal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.auth import Principal
from harbour_kit.crypto import FieldCipher
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_notifications import templates
from harbour_notifications.deliveries import service as deliveries
from harbour_notifications.models import Delivery, WebhookEndpoint
from harbour_notifications.webhooks import repository, secrets
from harbour_notifications.webhooks.outbound import OutboundGuard, Refused

TEST_KIND = "webhook.test"


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
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the caller's organisation (URL checked by `allowed`) and its secret."""
    endpoint_id = str(uuid.uuid4())
    record, secret = secrets.issue(cipher, endpoint_id)
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        organization_id=principal.org_id or "",
        url=url,
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
