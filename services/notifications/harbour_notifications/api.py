"""REST for recipients' profiles and preferences, webhook endpoints, and the delivery log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlmodel import col, select

from harbour_kit.app import ServiceDep
from harbour_kit.auth import CurrentPrincipal, Principal, Role, require_roles
from harbour_kit.errors import NotFound, ValidationFailed
from harbour_kit.phones import e164
from harbour_kit.service import Service
from harbour_notifications import templates
from harbour_notifications.delivery.worker import describe
from harbour_notifications.models import (
    Delivery,
    Notification,
    Preference,
    Recipient,
    WebhookEndpoint,
)
from harbour_notifications.routing import MANDATORY
from harbour_notifications.runtime import runtime_of
from harbour_notifications.webhooks import secrets
from harbour_notifications.webhooks.outbound import Refused

router = APIRouter()
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(Role.NETWORK_ADMIN))]
Clock = Annotated[str | None, Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class Profile(BaseModel):
    """How a recipient is reached."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(
        default=None, max_length=40, description="For SMS; stored as E.164 (+852 may be left out)"
    )
    locale: Literal["en", "zh-Hant", "zh-Hant-HK"] = "en"  # leave it out to keep it; never null
    quiet_start: Clock = None
    quiet_end: Clock = None
    digest_minutes: int | None = Field(default=None, ge=5, le=1440)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else e164(value)


def _profile_view(person: Recipient) -> dict[str, Any]:
    return {
        "sub": person.sub,
        "organization_id": person.organization_id,
        "roles": person.roles,
        "locale": person.locale,
        "email": person.email,
        "phone": person.phone,
        "quiet_start": person.quiet_start,
        "quiet_end": person.quiet_end,
        "digest_minutes": person.digest_minutes,
    }


async def _me(session: Any, principal: Principal) -> Recipient:
    person = await session.get(Recipient, principal.sub)
    if person is None:
        person = Recipient(sub=principal.sub, locale=principal.locale or "en")
    person.organization_id = principal.org_id
    person.roles = sorted(principal.roles)
    return person


@router.get("/me", tags=["recipients"], summary="My notification profile")
async def get_me(principal: CurrentPrincipal, svc: ServiceDep) -> dict[str, Any]:
    async with svc.uow() as session:
        person = await _me(session, principal)
        session.add(person)
        return _profile_view(person)


@router.put("/me", tags=["recipients"], summary="Set how I am reached")
async def put_me(body: Profile, principal: CurrentPrincipal, svc: ServiceDep) -> dict[str, Any]:
    async with svc.uow() as session:
        person = await _me(session, principal)
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(person, name, value)
        person.updated_at = datetime.now(UTC)
        session.add(person)
        return _profile_view(person)


class PreferenceIn(BaseModel):
    """One choice: a notification type on a channel."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    channel: Literal["inbox", "email", "sms"]
    enabled: bool


@router.get("/me/preferences", tags=["recipients"], summary="My choices per type and channel")
async def get_preferences(principal: CurrentPrincipal, svc: ServiceDep) -> dict[str, Any]:
    async with svc.factory() as session:
        rows = (await session.exec(select(Preference).where(Preference.sub == principal.sub))).all()
    return {
        "items": [{"kind": p.kind, "channel": p.channel, "enabled": p.enabled} for p in rows],
        "mandatory": [{"kind": k, "channel": c} for k, c in sorted(MANDATORY)],
        "kinds": list(templates.TYPES),
    }


@router.put("/me/preferences", tags=["recipients"], summary="Change my choices")
async def put_preferences(
    body: list[PreferenceIn], principal: CurrentPrincipal, svc: ServiceDep
) -> dict[str, Any]:
    errors = []
    for index, item in enumerate(body):
        if item.kind not in templates.TYPES:
            errors.append({"field": f"[{index}].kind", "message": f"unknown type {item.kind!r}"})
        elif (item.kind, item.channel) in MANDATORY and not item.enabled:
            errors.append(
                {"field": f"[{index}].enabled", "message": "this notification cannot be turned off"}
            )
    if errors:
        raise ValidationFailed("Some preferences cannot be set.", errors=errors)
    async with svc.uow() as session:
        for item in body:
            row = await session.get(Preference, (principal.sub, item.kind, item.channel))
            row = row or Preference(
                sub=principal.sub, kind=item.kind, channel=item.channel, enabled=True
            )
            row.enabled = item.enabled
            session.add(row)
    return await get_preferences(principal, svc)


class EndpointIn(BaseModel):
    """A partner system to call."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    kinds: list[str] = Field(default_factory=list, description="Types to send; empty: all")


def _endpoint_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "organization_id": endpoint.organization_id,
        "url": endpoint.url,
        "kinds": endpoint.kinds,
        "enabled": endpoint.enabled,
        "secrets": secrets.public(endpoint.secrets),
    }


async def _own_endpoint(session: Any, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != principal.org_id:
        raise NotFound("No such webhook endpoint.")
    return endpoint


async def _allowed_url(svc: Service, url: str) -> str:
    """The URL, unless it is or resolves to a place webhooks may not go (422 naming `url`)."""
    try:
        await runtime_of(svc).guard.check(url)
    except Refused as refused:
        raise ValidationFailed(
            "The webhook URL is not allowed.",
            code="url-not-allowed",
            errors=[{"field": "url", "message": str(refused)}],
        ) from None
    return url


@router.post("/webhooks", status_code=201, tags=["webhooks"], summary="Add a webhook endpoint")
async def create_endpoint(body: EndpointIn, principal: OrgAdmin, svc: ServiceDep) -> dict[str, Any]:
    """Adds an endpoint; its secret is in this response and never shown again."""
    unknown = sorted(set(body.kinds) - set(templates.TYPES))
    if unknown:
        raise ValidationFailed(
            "Unknown types.", errors=[{"field": "kinds", "message": f"unknown: {unknown}"}]
        )
    url = await _allowed_url(svc, str(body.url))
    endpoint_id = str(uuid.uuid4())
    record, secret = secrets.issue(runtime_of(svc).cipher, endpoint_id)
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        organization_id=principal.org_id or "",
        url=url,
        kinds=body.kinds,
        secrets=[record],
        created_by=principal.sub,
    )
    async with svc.uow() as session:
        session.add(endpoint)
    return {**_endpoint_view(endpoint), "secret": secret}


@router.get("/webhooks", tags=["webhooks"], summary="My organisation's webhook endpoints")
async def list_endpoints(principal: OrgAdmin, svc: ServiceDep) -> dict[str, Any]:
    async with svc.factory() as session:
        rows = (
            await session.exec(
                select(WebhookEndpoint).where(WebhookEndpoint.organization_id == principal.org_id)
            )
        ).all()
    return {"items": [_endpoint_view(e) for e in rows]}


@router.post("/webhooks/{endpoint_id}/rotate", tags=["webhooks"], summary="Rotate the secret")
async def rotate(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> dict[str, Any]:
    """A new secret (shown in this response only) signs from now on; old ones for 24 hours."""
    async with svc.uow() as session:
        endpoint = await _own_endpoint(session, principal, endpoint_id)
        endpoint.secrets, secret = secrets.rotate(
            runtime_of(svc).cipher, endpoint.id, endpoint.secrets, datetime.now(UTC)
        )
        session.add(endpoint)
        return {**_endpoint_view(endpoint), "secret": secret}


@router.post(
    "/webhooks/{endpoint_id}/test", status_code=202, tags=["webhooks"], summary="Send a test"
)
async def send_test(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> dict[str, Any]:
    async with svc.uow() as session:
        endpoint = await _own_endpoint(session, principal, endpoint_id)
        notification = Notification(
            id=str(uuid.uuid4()),
            event_id=f"test-{uuid.uuid4()}",
            recipient=f"webhook:{endpoint.id}",
            organization_id=endpoint.organization_id,
            kind="webhook.test",
            context={"reference": "TEST", "link": ""},
        )
        delivery = Delivery(
            id=str(uuid.uuid4()),
            notification_id=notification.id,
            organization_id=endpoint.organization_id,
            channel="webhook",
            status="queued",
        )
        session.add(notification)
        session.add(delivery)
        return describe(delivery)


@router.delete("/webhooks/{endpoint_id}", status_code=204, tags=["webhooks"], summary="Remove")
async def delete_endpoint(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> None:
    async with svc.uow() as session:
        endpoint = await _own_endpoint(session, principal, endpoint_id)
        endpoint.enabled = False
        session.add(endpoint)


@router.get("/deliveries", tags=["deliveries"], summary="My organisation's delivery log")
async def deliveries(
    principal: OrgAdmin,
    svc: ServiceDep,
    endpoint_id: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    query = select(Delivery).where(Delivery.organization_id == principal.org_id)
    if endpoint_id:
        query = query.join(
            Notification, col(Notification.id) == col(Delivery.notification_id)
        ).where(Notification.recipient == f"webhook:{endpoint_id}")
    if status:
        query = query.where(Delivery.status == status)
    async with svc.factory() as session:
        rows = (
            await session.exec(query.order_by(col(Delivery.created_at).desc()).limit(limit))
        ).all()
    return {"items": [describe(d) for d in rows]}


@router.get("/admin/deliveries", tags=["deliveries"], summary="Deliveries given up on (operators)")
async def failed_deliveries(
    _: NetworkAdmin, svc: ServiceDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    async with svc.factory() as session:
        rows = (
            await session.exec(
                select(Delivery)
                .where(col(Delivery.status).in_(["failed", "bounced"]))
                .order_by(col(Delivery.updated_at).desc())
                .limit(limit)
            )
        ).all()
    return {"items": [describe(d) for d in rows]}


@router.post("/admin/deliveries/{delivery_id}/redrive", tags=["deliveries"], summary="Try again")
async def redrive(delivery_id: str, _: NetworkAdmin, svc: ServiceDep) -> dict[str, Any]:
    async with svc.uow() as session:
        delivery = await session.get(Delivery, delivery_id)
        if delivery is None:
            raise NotFound("No such delivery.")
        if delivery.status not in ("failed", "bounced", "not_sent"):
            raise ValidationFailed(
                "Only a delivery that was given up on is re-driven.",
                errors=[{"field": "status", "message": f"is {delivery.status}"}],
            )
        delivery.status, delivery.attempts, delivery.reason = "queued", 0, None
        delivery.next_attempt_at = datetime.now(UTC)
        session.add(delivery)
        return describe(delivery)
