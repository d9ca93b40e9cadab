"""The webhook API: an organisation admin's endpoints, their secrets and test messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from harbour_kit.app import ServiceDep
from harbour_kit.auth import Principal, Role, require_roles
from harbour_kit.errors import problem_responses
from harbour_notifications import templates
from harbour_notifications.deliveries.schemas import DeliveryPublic
from harbour_notifications.models import Delivery, Notification, WebhookEndpoint
from harbour_notifications.runtime import runtime_of
from harbour_notifications.webhooks import repository, secrets, service
from harbour_notifications.webhooks.schemas import (
    EndpointCreate,
    EndpointPublic,
    Endpoints,
    EndpointWithSecret,
    EventTypes,
    SecretPublic,
    WebhookDeliveries,
    WebhookDeliveryPublic,
)

router = APIRouter(tags=["webhooks"])
OrgAdmin = Annotated[Principal, Depends(require_roles(Role.ORG_ADMIN))]
# Another organisation's endpoint is a 404, as an unknown one is.
ONE_ENDPOINT_PROBLEMS = problem_responses(401, 403, 404)


def _public(endpoint: WebhookEndpoint, last_status: str | None = None) -> EndpointPublic:
    """An endpoint as the API shows it: its secrets' ids and dates only."""
    return EndpointPublic(
        id=endpoint.id,
        organization_id=endpoint.organization_id,
        url=endpoint.url,
        description=endpoint.description,
        kinds=endpoint.kinds,
        enabled=endpoint.enabled,
        created_at=endpoint.created_at,
        last_delivery_status=last_status,
        secrets=[SecretPublic.model_validate(s) for s in secrets.public(endpoint.secrets)],
    )


def _delivery(delivery: Delivery, notification: Notification) -> WebhookDeliveryPublic:
    """A delivery to an endpoint as the log shows it: no payload, no address."""
    return WebhookDeliveryPublic(
        id=delivery.id,
        event_type=notification.kind,
        status=delivery.status,
        attempts=delivery.attempts,
        last_attempt_at=delivery.updated_at if delivery.attempts else None,
        response_code=service.response_code(delivery),
        reason=delivery.reason,
        created_at=delivery.created_at,
    )


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> EndpointWithSecret:
    """An endpoint and the secret just made for it."""
    return EndpointWithSecret(**_public(endpoint).model_dump(), secret=secret)


@router.post(
    "/webhooks",
    status_code=201,
    summary="Add a webhook endpoint",
    responses=problem_responses(401, 403, 422),
)
async def create_endpoint(
    body: EndpointCreate, principal: OrgAdmin, svc: ServiceDep
) -> EndpointWithSecret:
    """Adds an endpoint; its secret is in this response and never shown again."""
    runtime = runtime_of(svc)
    url = await service.allowed(guard=runtime.guard, url=str(body.url), kinds=body.kinds)
    async with svc.uow() as session:
        endpoint, secret = service.create(
            session=session,
            cipher=runtime.cipher,
            principal=principal,
            url=url,
            kinds=body.kinds,
            description=body.description,
        )
    return _with_secret(endpoint, secret)


@router.get(
    "/webhooks",
    summary="My organisation's webhook endpoints",
    responses=problem_responses(401, 403),
)
async def list_endpoints(principal: OrgAdmin, svc: ServiceDep) -> Endpoints:
    async with svc.factory() as session:
        rows = await repository.endpoints_of(session=session, organization_id=principal.org_id)
        last = await repository.last_statuses(session=session, organization_id=principal.org_id)
    return Endpoints(items=[_public(e, last.get(e.id)) for e in rows])


@router.get(
    "/webhooks/event-types",
    summary="The types an endpoint may subscribe to",
    responses=problem_responses(401, 403),
)
async def event_types(_: OrgAdmin) -> EventTypes:
    return EventTypes(items=list(templates.TYPES))


@router.post(
    "/webhooks/{endpoint_id}/disable",
    summary="Stop sending to an endpoint",
    responses=ONE_ENDPOINT_PROBLEMS,
)
async def disable(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> EndpointPublic:
    async with svc.uow() as session:
        endpoint = await service.set_enabled(
            session=session, principal=principal, endpoint_id=endpoint_id, enabled=False
        )
        return _public(endpoint)


@router.post(
    "/webhooks/{endpoint_id}/enable",
    summary="Send to an endpoint again",
    responses=ONE_ENDPOINT_PROBLEMS,
)
async def enable(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> EndpointPublic:
    async with svc.uow() as session:
        endpoint = await service.set_enabled(
            session=session, principal=principal, endpoint_id=endpoint_id, enabled=True
        )
        return _public(endpoint)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    summary="An endpoint's delivery log",
    responses=problem_responses(401, 403, 404, 422),
)
async def endpoint_deliveries(
    endpoint_id: str,
    principal: OrgAdmin,
    svc: ServiceDep,
    after: Annotated[str | None, Query(max_length=36, description="`next_after` of a page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> WebhookDeliveries:
    """Newest first; only ids, types and outcomes, never what was sent."""
    async with svc.factory() as session:
        rows, next_after = await service.delivery_log(
            session=session, principal=principal, endpoint_id=endpoint_id, after=after, limit=limit
        )
    return WebhookDeliveries(items=[_delivery(d, n) for d, n in rows], next_after=next_after)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redrive",
    summary="Send a given-up delivery again",
    responses=problem_responses(401, 403, 404, 422),
)
async def redrive(delivery_id: str, principal: OrgAdmin, svc: ServiceDep) -> WebhookDeliveryPublic:
    async with svc.uow() as session:
        delivery, notification = await service.redrive(
            session=session, principal=principal, delivery_id=delivery_id, now=datetime.now(UTC)
        )
        return _delivery(delivery, notification)


@router.post(
    "/webhooks/{endpoint_id}/rotate",
    summary="Rotate the secret",
    responses=ONE_ENDPOINT_PROBLEMS,
)
async def rotate(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> EndpointWithSecret:
    """A new secret (shown in this response only) signs from now on; old ones for 24 hours."""
    async with svc.uow() as session:
        endpoint, secret = await service.rotate(
            session=session,
            cipher=runtime_of(svc).cipher,
            principal=principal,
            endpoint_id=endpoint_id,
            now=datetime.now(UTC),
        )
        return _with_secret(endpoint, secret)


@router.post(
    "/webhooks/{endpoint_id}/test",
    status_code=202,
    summary="Send a test",
    responses=ONE_ENDPOINT_PROBLEMS,
)
async def send_test(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> DeliveryPublic:
    async with svc.uow() as session:
        delivery = await service.send_test(
            session=session, principal=principal, endpoint_id=endpoint_id
        )
        return DeliveryPublic.model_validate(delivery)


@router.delete(
    "/webhooks/{endpoint_id}",
    status_code=204,
    summary="Remove",
    responses=ONE_ENDPOINT_PROBLEMS,
)
async def delete_endpoint(endpoint_id: str, principal: OrgAdmin, svc: ServiceDep) -> None:
    async with svc.uow() as session:
        await service.remove(session=session, principal=principal, endpoint_id=endpoint_id)
