"""The organisation admin's console: webhook endpoints, their delivery log, and own listings."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

import strawberry

from harbour_gateway.context import Info
from harbour_gateway.downstream import DownstreamError, segment
from harbour_gateway.permissions import OrgAdmin, PartnerStaff, SignedIn
from harbour_gateway.problems import (
    FieldError,
    Forbidden,
    NotFound,
    ValidationProblem,
    invalid,
    outage,
    typed,
)
from harbour_gateway.schema.directory import Service, services
from harbour_gateway.schema.relay import Connection, Edge, PageInfo
from harbour_gateway.schema.selection import selected

MAX_URL = 500  # the notifications service stores at most this many characters
MAX_DESCRIPTION = 200  # likewise for an endpoint's description
MAX_PAGE = 100
MAX_LISTING_PAGES = 10  # 2,000 services: far more than any one organisation keeps
TEST_TYPE = "webhook.test"  # the type the notifications service gives a test message
# The service's names for input fields, as the GraphQL input calls them.
FIELD_NAMES = {"kinds": "eventTypes"}


@strawberry.type(description="A signing secret: its id and dates, never the secret itself.")
class WebhookSecret:
    id: strawberry.ID
    created_at: datetime
    expires_at: datetime | None = strawberry.field(
        description="When it stops signing, after a rotation"
    )


@strawberry.type(description="A partner system that receives your organisation's webhooks.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str | None = strawberry.field(description="What it is for, in the admin's words")
    event_types: list[str] = strawberry.field(description="Types sent to it; empty: every type")
    enabled: bool
    created_at: datetime
    last_delivery_status: str | None = strawberry.field(
        description="How its newest delivery went (queued, delivered, failed, not_sent)"
    )
    secrets: list[WebhookSecret]

    @staticmethod
    def of(item: dict[str, Any]) -> WebhookEndpoint:
        """An endpoint from the notifications service."""
        return WebhookEndpoint(
            id=strawberry.ID(item["id"]),
            url=item["url"],
            description=item.get("description"),
            event_types=list(item["kinds"]),
            enabled=bool(item["enabled"]),
            created_at=datetime.fromisoformat(item["created_at"]),
            last_delivery_status=item.get("last_delivery_status"),
            secrets=[
                WebhookSecret(
                    id=strawberry.ID(s["id"]),
                    created_at=datetime.fromisoformat(s["created_at"]),
                    expires_at=_when(s.get("expires_at")),
                )
                for s in item["secrets"]
            ],
        )


@strawberry.type(
    description="An endpoint and its new signing secret: shown in this answer only, never again."
)
class WebhookSecretIssued:
    endpoint: WebhookEndpoint
    secret: str = strawberry.field(description="whsec_…; store it now")


@strawberry.type(description="One delivery to an endpoint: its type and fate, never its content.")
class WebhookDelivery:
    id: strawberry.ID
    event_type: str
    status: str = strawberry.field(description="queued, delivered, failed or not_sent")
    attempts: int
    last_attempt_at: datetime | None
    response_code: int | None = strawberry.field(
        description="The receiver's HTTP status when it refused (delivered means 2xx)"
    )
    reason: str | None = strawberry.field(description="Why it failed or was not sent")
    created_at: datetime

    @staticmethod
    def of(item: dict[str, Any]) -> WebhookDelivery:
        """A delivery from an endpoint's log."""
        return WebhookDelivery(
            id=strawberry.ID(item["id"]),
            event_type=item["event_type"],
            status=item["status"],
            attempts=int(item["attempts"]),
            last_attempt_at=_when(item.get("last_attempt_at")),
            response_code=item.get("response_code"),
            reason=item.get("reason"),
            created_at=datetime.fromisoformat(item["created_at"]),
        )


@strawberry.type(name="WebhookDeliveryConnection")
class WebhookDeliveries(Connection[WebhookDelivery]):
    pass


@strawberry.input(description="A partner system to send webhooks to.")
class WebhookEndpointInput:
    url: str = strawberry.field(description="https://…; must reach a public address")
    description: str | None = strawberry.field(
        default=None, description=f"What it is for, at most {MAX_DESCRIPTION} characters"
    )
    event_types: list[str] = strawberry.field(
        default_factory=list, description="Types to send (webhookEventTypes); empty: every type"
    )


WebhookSecretResult = Annotated[
    WebhookSecretIssued | NotFound | Forbidden | ValidationProblem,
    strawberry.union("WebhookSecretResult"),
]
WebhookEndpointChange = Annotated[
    WebhookEndpoint | NotFound | Forbidden, strawberry.union("WebhookEndpointChange")
]
WebhookDeliveriesResult = Annotated[
    WebhookDeliveries | NotFound | Forbidden | ValidationProblem,
    strawberry.union("WebhookDeliveriesResult"),
]
WebhookDeliveryChange = Annotated[
    WebhookDelivery | NotFound | Forbidden | ValidationProblem,
    strawberry.union("WebhookDeliveryChange"),
]
Refused = NotFound | Forbidden | ValidationProblem


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _cursor(delivery_id: str) -> str:
    return base64.urlsafe_b64encode(f"delivery:{delivery_id}".encode()).decode()


def _after(cursor: str | None) -> str | ValidationProblem | None:
    """The delivery id inside a cursor this API gave out."""
    if cursor is None:
        return None
    try:
        kind, _, delivery_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, delivery_id = "", ""
    if kind != "delivery" or not delivery_id:
        return invalid("after", "is not a cursor this API gave out")
    return delivery_id


def _refused(exc: DownstreamError) -> Refused:
    """A service's refusal as a typed problem, its fields named as the GraphQL input names them."""
    problem = typed(exc)
    if isinstance(problem, ValidationProblem):
        problem.fields = [
            FieldError(field=FIELD_NAMES.get(f.field, f.field), message=f.message)
            for f in problem.fields
        ]
        return problem
    if isinstance(problem, NotFound | Forbidden):
        return problem
    return ValidationProblem(code=problem.code, message=problem.message, fields=[])


async def _call(info: Info, method: str, path: str, **kwargs: Any) -> Any:
    return await info.context.downstream.request(
        method, "notifications", path, token=info.context.token, **kwargs
    )


async def _read(info: Info, path: str, params: dict[str, str] | None = None) -> Any:
    try:
        return await _call(info, "GET", path, params=params)
    except DownstreamError as exc:
        raise outage(exc) from exc


async def _issued(info: Info, path: str, body: Any = None) -> WebhookSecretResult:
    try:
        item = await _call(info, "POST", path, body=body)
    except DownstreamError as exc:
        return _refused(exc)
    return WebhookSecretIssued(endpoint=WebhookEndpoint.of(item), secret=item["secret"])


async def _switch(info: Info, endpoint_id: str, to: str) -> WebhookEndpointChange:
    try:
        item = await _call(info, "POST", f"/webhooks/{segment(endpoint_id)}/{to}")
    except DownstreamError as exc:
        problem = _refused(exc)
        return problem if isinstance(problem, NotFound | Forbidden) else _not_found(problem)
    return WebhookEndpoint.of(item)


def _not_found(problem: ValidationProblem) -> NotFound:
    return NotFound(code=problem.code, message=problem.message)


@strawberry.type
class WebhooksQuery:
    @strawberry.field(
        description="My organisation's webhook endpoints (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        data = await _read(info, "/webhooks")
        return [WebhookEndpoint.of(item) for item in data["items"]]

    @strawberry.field(
        description="The event types an endpoint may subscribe to (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def webhook_event_types(self, info: Info) -> list[str]:
        data = await _read(info, "/webhooks/event-types")
        return [str(kind) for kind in data["items"]]

    @strawberry.field(
        description="One of my organisation's endpoints' deliveries, newest first (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID, first: int = 20, after: str | None = None
    ) -> WebhookDeliveriesResult:
        if not 1 <= first <= MAX_PAGE:
            return invalid("first", f"must be between 1 and {MAX_PAGE}")
        start = _after(after)
        if isinstance(start, ValidationProblem):
            return start
        params = {"limit": str(first), **({"after": start} if start else {})}
        try:
            data = await _call(
                info, "GET", f"/webhooks/{segment(endpoint_id)}/deliveries", params=params
            )
        except DownstreamError as exc:
            return _refused(exc)
        edges = [
            Edge(cursor=_cursor(item["id"]), node=WebhookDelivery.of(item))
            for item in data["items"]
        ]
        return WebhookDeliveries(
            edges=edges,
            page_info=PageInfo(
                has_next_page=data.get("next_after") is not None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(
        description="My organisation's listed services (its staff and admins).",
        permission_classes=[SignedIn, PartnerStaff],
    )
    async def my_services(self, info: Info, locale: str | None = None) -> list[Service]:
        principal = info.context.principal
        if principal is None or principal.org_id is None:
            return []
        locale = locale or info.context.locale
        found: list[tuple[str, dict[str, Any]]] = []
        for number in range(1, MAX_LISTING_PAGES + 1):
            try:
                data = await info.context.downstream.get(
                    "directory",
                    "/services",
                    token=info.context.token,
                    params={
                        "organization_id": principal.org_id,
                        "per_page": "200",
                        "page_number": str(number),
                        "locale": locale,
                    },
                )
            except DownstreamError as exc:
                raise outage(exc) from exc
            found += [(item["id"], item) for item in data["contents"]]
            if data.get("last_page", True):
                break
        return await services(info, found, selected(info), locale=locale)


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(
        description="Add a webhook endpoint; its secret is in this answer only (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def add_webhook_endpoint(
        self, info: Info, input: WebhookEndpointInput
    ) -> WebhookSecretResult:
        if len(input.url) > MAX_URL:
            return invalid("url", f"must be at most {MAX_URL} characters")
        if input.description is not None and len(input.description) > MAX_DESCRIPTION:
            return invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
        body = {
            "url": input.url,
            "description": input.description,
            "kinds": list(input.event_types),
        }
        return await _issued(info, "/webhooks", body)

    @strawberry.mutation(
        description="A new signing secret, in this answer only; old ones sign for 24 hours.",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookSecretResult:
        return await _issued(info, f"/webhooks/{segment(id)}/rotate")

    @strawberry.mutation(
        description="Stop sending to an endpoint (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def disable_webhook_endpoint(
        self, info: Info, id: strawberry.ID
    ) -> WebhookEndpointChange:
        return await _switch(info, str(id), "disable")

    @strawberry.mutation(
        description="Send to an endpoint again (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def enable_webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpointChange:
        return await _switch(info, str(id), "enable")

    @strawberry.mutation(
        description="Queue a test message to an endpoint (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def send_webhook_test(self, info: Info, id: strawberry.ID) -> WebhookDeliveryChange:
        try:
            item = await _call(info, "POST", f"/webhooks/{segment(id)}/test")
        except DownstreamError as exc:
            return _refused(exc)
        return WebhookDelivery.of({**item, "event_type": TEST_TYPE, "last_attempt_at": None})

    @strawberry.mutation(
        description="Send a failed delivery again, from its first attempt (org admins).",
        permission_classes=[SignedIn, OrgAdmin],
    )
    async def redrive_webhook_delivery(
        self, info: Info, id: strawberry.ID
    ) -> WebhookDeliveryChange:
        try:
            item = await _call(info, "POST", f"/webhooks/deliveries/{segment(id)}/redrive")
        except DownstreamError as exc:
            return _refused(exc)
        return WebhookDelivery.of(item)
