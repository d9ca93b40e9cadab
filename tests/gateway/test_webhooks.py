"""Org admins keep their webhook endpoints through the gateway: secrets once, a log, re-sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from harbour_gateway.main import create
from harbour_gateway.settings import GatewaySettings
from harbour_notifications.webhooks import signing
from tests.conftest import Keys, Mint, Serve, StartService, bearer, eventually
from tests.harness import free_port
from tests.sample import CARE_NETWORK, CLAIM_ADVICE, DETENTION_VISITS, LEGAL_CLINIC, seed_small
from tests.stack import Stack

ENDPOINT = (
    "id url description eventTypes enabled createdAt lastDeliveryStatus secrets { id expiresAt }"
)
PROBLEM = "... on Problem { code message } ... on ValidationProblem { fields { field message } }"
ADD = f"""mutation($input: WebhookEndpointInput!) {{
  addWebhookEndpoint(input: $input) {{
    __typename ... on WebhookSecretIssued {{ secret endpoint {{ {ENDPOINT} }} }} {PROBLEM}
  }}
}}"""
ROTATE = f"""mutation($id: ID!) {{
  rotateWebhookSecret(id: $id) {{
    __typename ... on WebhookSecretIssued {{ secret endpoint {{ {ENDPOINT} }} }} {PROBLEM}
  }}
}}"""
SWITCH = """mutation($id: ID!) {{
  {verb}WebhookEndpoint(id: $id) {{
    __typename ... on WebhookEndpoint {{ enabled }} ... on Problem {{ code message }}
  }}
}}"""
DISABLE = SWITCH.format(verb="disable")
ENABLE = SWITCH.format(verb="enable")
LIST = f"{{ webhookEndpoints {{ {ENDPOINT} }} }}"
TEST = f"""mutation($id: ID!) {{
  sendWebhookTest(id: $id) {{ __typename ... on WebhookDelivery {{ id eventType }} {PROBLEM} }}
}}"""
LOG = f"""query($id: ID!, $first: Int! = 20, $after: String) {{
  webhookDeliveries(endpointId: $id, first: $first, after: $after) {{
    __typename
    ... on WebhookDeliveryConnection {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ id eventType status attempts lastAttemptAt responseCode reason }} }}
    }}
    {PROBLEM}
  }}
}}"""
REDRIVE = f"""mutation($id: ID!) {{
  redriveWebhookDelivery(id: $id) {{
    __typename ... on WebhookDelivery {{ status attempts }} {PROBLEM}
  }}
}}"""
MINE = "{ myServices { id name organization { id } } }"


@dataclass
class Receiver:
    """A partner system on loopback that answers with `status`, keeping each request."""

    status: int = 500
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield hook, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


@pytest.fixture
def database() -> str:
    """The embedded default; the test of the delivery log's queries runs on PostgreSQL too."""
    return "sqlite"


@pytest.fixture
async def stack(
    start_service: StartService,
    serve: Serve,
    keys: Keys,
    nats_url: str,
    namespace: str,
    database: str,
) -> AsyncIterator[Stack]:
    """The services and a gateway; notifications may call loopback and give up after one try."""
    directory = await start_service("directory", database)
    referrals = await start_service("referrals", database)
    notifications = await start_service(
        "notifications",
        database,
        webhook_allowed_private=["127.0.0.1"],  # the fake partner listens on loopback
        delivery_max_attempts=1,  # a 500 is given up at once, so the test can re-drive it
        delivery_poll_interval=0.05,
    )
    await seed_small(directory.service)
    settings = GatewaySettings(
        directory_url=await serve(directory.app),
        referrals_url=await serve(referrals.app),
        notifications_url=await serve(notifications.app),
        jwt_public_key_file=keys.public_path,
        nats_url=nats_url,
        events_namespace=namespace,
        downstream_timeout=5.0,
    )
    app = create(settings)
    url = await serve(app, lifespan="on")
    await asyncio.wait_for(app.state.live.ready.wait(), 10)
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        yield Stack(directory, referrals, notifications, url, client, app)


async def log_of(stack: Stack, token: str, endpoint_id: str, **variables: Any) -> dict[str, Any]:
    """An endpoint's delivery log page, which must not be a problem."""
    data = await stack.data(LOG, {"id": endpoint_id, **variables}, token=token)
    page: dict[str, Any] = data["webhookDeliveries"]
    assert page["__typename"] == "WebhookDeliveryConnection", page
    return page


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_an_org_admin_adds_rotates_disables_and_redrives_a_failed_delivery(
    stack: Stack, mint: Mint, receiver: tuple[Receiver, str], capsys: pytest.CaptureFixture[str]
) -> None:
    hook, url = receiver
    admin = mint("org_admin", org=LEGAL_CLINIC, sub="admin-1")
    described = "Case system — 法律團隊"
    added = (
        await stack.data(
            ADD,
            {
                "input": {
                    "url": url,
                    "description": described,
                    "eventTypes": ["referral.received"],
                }
            },
            token=admin,
        )
    )["addWebhookEndpoint"]
    assert added["__typename"] == "WebhookSecretIssued", added
    secret, endpoint = added["secret"], added["endpoint"]
    assert secret.startswith("whsec_")
    assert endpoint["url"] == url and endpoint["eventTypes"] == ["referral.received"]
    assert endpoint["description"] == described
    assert endpoint["enabled"] is True and endpoint["lastDeliveryStatus"] is None
    endpoint_id = endpoint["id"]

    # The secret is never shown again: the list has no field for it and never holds it.
    listed = await stack.graphql(LIST, token=admin)
    assert [e["id"] for e in listed["data"]["webhookEndpoints"]] == [endpoint_id]
    assert listed["data"]["webhookEndpoints"][0]["description"] == described
    assert secret not in str(listed)
    asked = await stack.graphql("{ webhookEndpoints { secret } }", token=admin)
    assert "Cannot query field 'secret'" in asked["errors"][0]["message"]

    # The receiver answers 500: the delivery is given up (one attempt) and logged as failed.
    queued = (await stack.data(TEST, {"id": endpoint_id}, token=admin))["sendWebhookTest"]
    assert queued["__typename"] == "WebhookDelivery" and queued["eventType"] == "webhook.test"

    async def called(times: int) -> bool:
        return len(hook.calls) >= times

    await eventually(lambda: called(1))
    signing.verify(secret, headers=hook.calls[0][0], body=hook.calls[0][1])

    async def failed() -> dict[str, Any] | None:
        page = await log_of(stack, admin, endpoint_id)
        node: dict[str, Any] = page["edges"][0]["node"]
        return node if node["status"] == "failed" else None

    failure = await eventually(failed)
    assert failure["id"] == queued["id"] and failure["eventType"] == "webhook.test"
    assert (failure["attempts"], failure["responseCode"]) == (1, 500)
    assert failure["lastAttemptAt"] is not None and "500" in failure["reason"]
    listed = await stack.data(LIST, token=admin)
    assert listed["webhookEndpoints"][0]["lastDeliveryStatus"] == "failed"

    # Once the receiver answers 200, a re-drive delivers the same message.
    hook.status = 200
    redriven = (await stack.data(REDRIVE, {"id": failure["id"]}, token=admin))[
        "redriveWebhookDelivery"
    ]
    assert redriven == {"__typename": "WebhookDelivery", "status": "queued", "attempts": 0}
    await eventually(lambda: called(2))
    assert hook.calls[1][0]["webhook-id"] == hook.calls[0][0]["webhook-id"]

    async def delivered() -> bool:
        node = (await log_of(stack, admin, endpoint_id))["edges"][0]["node"]
        return bool(node["status"] == "delivered")

    await eventually(delivered)
    again = (await stack.data(REDRIVE, {"id": failure["id"]}, token=admin))[
        "redriveWebhookDelivery"
    ]
    assert again["__typename"] == "ValidationProblem"
    assert [f["field"] for f in again["fields"]] == ["status"]

    # Rotating returns a new secret once; both sign for now, neither is listed.
    rotated = (await stack.data(ROTATE, {"id": endpoint_id}, token=admin))["rotateWebhookSecret"]
    assert rotated["__typename"] == "WebhookSecretIssued"
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    assert len(rotated["endpoint"]["secrets"]) == 2
    listed = await stack.graphql(LIST, token=admin)
    assert secret not in str(listed) and rotated["secret"] not in str(listed)

    # Disabled, it receives nothing: a test message is logged as not sent.
    disabled = (await stack.data(DISABLE, {"id": endpoint_id}, token=admin))[
        "disableWebhookEndpoint"
    ]
    assert disabled == {"__typename": "WebhookEndpoint", "enabled": False}
    await stack.data(TEST, {"id": endpoint_id}, token=admin)

    async def not_sent() -> dict[str, Any] | None:
        node: dict[str, Any] = (await log_of(stack, admin, endpoint_id))["edges"][0]["node"]
        return node if node["status"] == "not_sent" else None

    skipped = await eventually(not_sent)
    assert skipped["reason"] == "endpoint removed or disabled" and len(hook.calls) == 2
    enabled = (await stack.data(ENABLE, {"id": endpoint_id}, token=admin))["enableWebhookEndpoint"]
    assert enabled == {"__typename": "WebhookEndpoint", "enabled": True}

    # The log pages newest first, one delivery a page.
    first = await log_of(stack, admin, endpoint_id, first=1)
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"][0]["node"]["id"] == skipped["id"]
    second = await log_of(stack, admin, endpoint_id, first=1, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in second["edges"]] == [failure["id"]]
    assert second["pageInfo"]["hasNextPage"] is False
    bad = (await stack.data(LOG, {"id": endpoint_id, "after": "nonsense"}, token=admin))[
        "webhookDeliveries"
    ]
    assert bad["__typename"] == "ValidationProblem" and bad["fields"][0]["field"] == "after"
    wide = (await stack.data(LOG, {"id": endpoint_id, "first": 1000}, token=admin))[
        "webhookDeliveries"
    ]
    assert wide["__typename"] == "ValidationProblem" and wide["fields"][0]["field"] == "first"
    logs = capsys.readouterr()
    assert '"route": "/webhooks/{endpoint_id}/rotate"' in logs.out  # the requests were logged
    for shown_once in (secret, rotated["secret"]):
        assert shown_once not in logs.out + logs.err


async def test_another_organisation_and_partner_staff_cannot_see_or_change_it(
    stack: Stack, mint: Mint
) -> None:
    admin = mint("org_admin", org=LEGAL_CLINIC, sub="admin-1")
    added = (
        await stack.data(ADD, {"input": {"url": "https://partner.example/hook"}}, token=admin)
    )["addWebhookEndpoint"]
    endpoint_id = added["endpoint"]["id"]
    assert added["endpoint"]["eventTypes"] == []  # every type
    assert added["endpoint"]["description"] is None  # none given
    delivery_id = (await stack.data(TEST, {"id": endpoint_id}, token=admin))["sendWebhookTest"][
        "id"
    ]

    outsider = mint("org_admin", org=CARE_NETWORK, sub="admin-2")
    assert (await stack.data(LIST, token=outsider))["webhookEndpoints"] == []
    for document, name, variables in (
        (ROTATE, "rotateWebhookSecret", {"id": endpoint_id}),
        (DISABLE, "disableWebhookEndpoint", {"id": endpoint_id}),
        (ENABLE, "enableWebhookEndpoint", {"id": endpoint_id}),
        (TEST, "sendWebhookTest", {"id": endpoint_id}),
        (LOG, "webhookDeliveries", {"id": endpoint_id}),
        (REDRIVE, "redriveWebhookDelivery", {"id": delivery_id}),
    ):
        refused = (await stack.data(document, variables, token=outsider))[name]
        assert refused["__typename"] == "NotFound", (name, refused)
    assert (await stack.data(LIST, token=admin))["webhookEndpoints"][0]["enabled"] is True

    staff = mint("partner_staff", org=LEGAL_CLINIC, sub="staff-1")
    for document, variables in (
        (LIST, {}),
        (ADD, {"input": {"url": "https://partner.example/other"}}),
        (DISABLE, {"id": endpoint_id}),
        (LOG, {"id": endpoint_id}),
    ):
        body = await stack.graphql(document, variables, token=staff)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert len((await stack.data(LIST, token=admin))["webhookEndpoints"]) == 1


REFUSED = [
    ("ftp://x", [], "url", "validation-failed"),
    ("not a url", [], "url", "validation-failed"),
    ("http://10.0.0.5/hook", [], "url", "url-not-allowed"),
    ("http://169.254.169.254/latest/meta-data", [], "url", "url-not-allowed"),
    ("http://localhost:8003/webhooks", [], "url", "url-not-allowed"),
    ("https://partner.example/" + "x" * 600, [], "url", "validation-failed"),
    ("https://partner.example/hook", ["referral.gossip"], "eventTypes", "validation-failed"),
]


async def test_a_refused_endpoint_names_the_field(stack: Stack, mint: Mint) -> None:
    admin = mint("org_admin", org=LEGAL_CLINIC)
    for url, event_types, field_name, code in REFUSED:
        refused = (
            await stack.data(ADD, {"input": {"url": url, "eventTypes": event_types}}, token=admin)
        )["addWebhookEndpoint"]
        assert refused["__typename"] == "ValidationProblem", (url, refused)
        assert (refused["code"], [f["field"] for f in refused["fields"]]) == (code, [field_name])

    # A description one character past what the column holds, at the gateway and the service.
    wordy = {"url": "https://partner.example/hook", "description": "d" * 201}
    refused = (await stack.data(ADD, {"input": wordy}, token=admin))["addWebhookEndpoint"]
    assert refused["__typename"] == "ValidationProblem", refused
    assert [f["field"] for f in refused["fields"]] == ["description"]
    direct = await stack.notifications.client.post("/webhooks", json=wordy, headers=bearer(admin))
    assert direct.status_code == 422
    assert [e["field"] for e in direct.json()["errors"]] == ["description"]
    assert (await stack.data(LIST, token=admin))["webhookEndpoints"] == []

    # 200 characters fit, and a blank description is kept as none.
    fits = {**wordy, "description": "d" * 200}
    kept = (await stack.data(ADD, {"input": fits}, token=admin))["addWebhookEndpoint"]
    assert kept["__typename"] == "WebhookSecretIssued", kept
    assert kept["endpoint"]["description"] == "d" * 200
    blank = {"url": "https://partner.example/other", "description": "  "}
    kept = (await stack.data(ADD, {"input": blank}, token=admin))["addWebhookEndpoint"]
    assert kept["endpoint"]["description"] is None


async def test_my_services_lists_only_my_organisations_listings(stack: Stack, mint: Mint) -> None:
    admin = mint("org_admin", org=LEGAL_CLINIC)
    mine = (await stack.data(MINE, token=admin))["myServices"]
    assert sorted(s["id"] for s in mine) == sorted([CLAIM_ADVICE, DETENTION_VISITS])
    assert {s["organization"]["id"] for s in mine} == {LEGAL_CLINIC}
    staff = mint("partner_staff", org=CARE_NETWORK)
    assert [s["name"] for s in (await stack.data(MINE, token=staff))["myServices"]] == [
        "Casework and referral"
    ]
    worker = mint("social_worker", org=CARE_NETWORK)
    body = await stack.graphql(MINE, token=worker)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
