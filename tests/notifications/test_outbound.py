"""Webhooks cannot be aimed inside: refused when stored, refused again when sent, not redirected."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from harbour_notifications.models import WebhookEndpoint
from harbour_notifications.runtime import runtime_of
from harbour_notifications.webhooks import secrets
from harbour_notifications.webhooks.outbound import OutboundGuard, Refused, system_resolve
from tests.conftest import Mint, Running, StartService, bearer, eventually
from tests.harness import free_port

ORG = "org-partner-1"
PUBLIC = "93.184.215.14"  # what a partner's name resolves to when the endpoint is stored

# Addresses a webhook must never reach, however a host name leads to them.
FORBIDDEN_ADDRESSES = [
    "127.0.0.1",
    "127.0.0.2",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "169.254.1.1",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "fec0::1",
    "224.0.0.1",
    "ff02::1",
    "0.0.0.0",
    "::",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::127.0.0.1",
    "2002:7f00:1::",
    "2002:a9fe:a9fe::",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
]

# Every spelling a URL may use for an inside address or a metadata service.
FORBIDDEN_URLS = [
    "http://127.0.0.1/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://0/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[::127.0.0.1]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[ff02::1]/hook",
    "http://localhost/hook",
    "http://LOCALHOST./hook",
    "http://localhost../hook",
    "http://%6c%6fcalhost/hook",
    "http://api.localhost/hook",
    "http://10.0.0.1/hook",
    "http://172.31.255.255/hook",
    "http://192.168.0.10:8443/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://224.0.0.1/hook",
    "http://255.255.255.255/hook",
    "https://240.0.0.1/hook",
    "http://metadata/computeMetadata/v1/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/",
    "http://user:password@hooks.partner.test/hook",
    "http://hooks.partner.test@127.0.0.1/hook",
]


class FakeDns:
    """The outside DNS as the test wants it: names it knows, else the machine's getaddrinfo."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}

    async def resolve(self, host: str, port: int) -> list[str]:
        """Addresses of a host name."""
        known = self.names.get(host.rstrip(".").lower())
        return list(known) if known is not None else await system_resolve(host, port)


@dataclass
class Partner:
    """A webhook receiver on loopback that records calls and answers with `status`."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    port: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Records one call."""
        self.calls.append(request.path)
        return web.Response(status=self.status, headers=self.headers)


@pytest.fixture
async def partners() -> AsyncIterator[list[Partner]]:
    """Two receivers on 127.0.0.1, on their own ports."""
    made: list[Partner] = []
    runners: list[web.AppRunner] = []
    for _ in range(2):
        partner = Partner(port=free_port())
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", partner.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", partner.port).start()
        made.append(partner)
        runners.append(runner)
    yield made
    for runner in runners:
        await runner.cleanup()


async def start(
    start_service: StartService, backend: str, dns: FakeDns, **overrides: Any
) -> Running:
    """The notifications service, looking webhook hosts up in `dns`."""
    return await start_service(
        "notifications",
        backend,
        delivery_poll_interval=0.05,
        delivery_backoff=0.2,
        delivery_max_attempts=3,
        app_options={"resolve": dns.resolve},
        **overrides,
    )


async def create(service: Running, admin: dict[str, str], url: str) -> Any:
    """POST /webhooks."""
    return await service.client.post("/webhooks", json={"url": url}, headers=admin)


async def finished(service: Running, admin: dict[str, str], endpoint_id: str) -> dict[str, Any]:
    """The endpoint's test delivery once the worker is done with it."""

    async def done() -> dict[str, Any] | None:
        items = (
            await service.client.get(
                "/deliveries", params={"endpoint_id": endpoint_id}, headers=admin
            )
        ).json()["items"]
        return items[0] if items and items[0]["status"] != "queued" else None

    result: dict[str, Any] = await eventually(done)
    return result


async def test_inside_urls_are_refused_when_stored(
    start_service: StartService, backend: str, mint: Mint
) -> None:
    dns = FakeDns()
    service = await start(start_service, backend, dns)
    admin = bearer(mint("org_admin", org=ORG))
    for url in FORBIDDEN_URLS:
        refused = await create(service, admin, url)
        assert refused.status_code == 422, (url, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["url"], url
    for number, address in enumerate(FORBIDDEN_ADDRESSES):
        name = f"h{number}.partner.test"
        dns.names[name] = [PUBLIC, address]  # one inside address among public ones is enough
        refused = await create(service, admin, f"https://{name}/hook")
        assert refused.status_code == 422, (address, refused.text)
        problem = refused.json()
        assert problem["code"] == "url-not-allowed", address
        assert problem["errors"][0]["field"] == "url" and problem["errors"][0]["message"]
        assert address not in refused.text
    for url in ("ftp://hooks.partner.test/hook", "file:///etc/passwd", "gopher://x/"):
        refused = await create(service, admin, url)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url"
    dns.names["hooks.partner.test"] = [PUBLIC, "2606:4700::1111"]
    assert (await create(service, admin, "https://hooks.partner.test/hook")).status_code == 201
    assert (await service.client.get("/webhooks", headers=admin)).json()["items"][0]["url"] == (
        "https://hooks.partner.test/hook"
    )


async def test_a_name_that_turns_inside_after_it_was_stored_is_refused_when_sent(
    start_service: StartService, backend: str, mint: Mint, partners: list[Partner]
) -> None:
    dns = FakeDns()
    service = await start(start_service, backend, dns)
    admin = bearer(mint("org_admin", org=ORG))
    receiver = partners[0]
    endpoints: dict[str, str] = {}
    for number, address in enumerate(FORBIDDEN_ADDRESSES):
        name = f"d{number}.partner.test"
        dns.names[name] = [PUBLIC]
        created = await create(service, admin, f"http://{name}:{receiver.port}/hook")
        assert created.status_code == 201, created.text
        dns.names[name] = [address]  # the partner's DNS now points inside
        endpoints[address] = created.json()["id"]
    for endpoint_id in endpoints.values():
        sent = await service.client.post(f"/webhooks/{endpoint_id}/test", headers=admin)
        assert sent.status_code == 202
    for address, endpoint_id in endpoints.items():
        delivery = await finished(service, admin, endpoint_id)
        assert (delivery["status"], delivery["attempts"]) == ("failed", 1), (address, delivery)
        assert delivery["reason"].startswith("url not allowed: the host resolves to"), address
    assert receiver.calls == []


async def test_stored_inside_urls_from_before_the_check_are_refused_when_sent(
    start_service: StartService, mint: Mint, partners: list[Partner]
) -> None:
    service = await start(start_service, "sqlite", FakeDns())
    admin = bearer(mint("org_admin", org=ORG))
    receiver = partners[0]
    cipher = runtime_of(service.service).cipher
    ids = []
    async with service.service.uow() as session:
        for host in ("127.0.0.1", "2130706433", "0x7f000001", "127.1", "localhost", "[::1]"):
            endpoint_id = str(uuid.uuid4())
            record, _ = secrets.issue(cipher, endpoint_id)
            url = f"http://{host}:{receiver.port}/hook"
            session.add(
                WebhookEndpoint(
                    id=endpoint_id,
                    organization_id=ORG,
                    url=url,
                    secrets=[record],
                    created_by="earlier",
                )
            )
            ids.append(endpoint_id)
    for endpoint_id in ids:
        assert (
            await service.client.post(f"/webhooks/{endpoint_id}/test", headers=admin)
        ).status_code == 202
    for endpoint_id in ids:
        delivery = await finished(service, admin, endpoint_id)
        assert (delivery["status"], delivery["attempts"]) == ("failed", 1), delivery
        assert delivery["reason"].startswith("url not allowed"), delivery
    assert receiver.calls == []


async def test_a_redirect_is_not_followed(
    start_service: StartService, backend: str, mint: Mint, partners: list[Partner]
) -> None:
    first, inside = partners
    first.status = 307
    first.headers = {"location": f"http://127.0.0.1:{inside.port}/admin"}
    service = await start(start_service, backend, FakeDns(), webhook_allowed_private=["127.0.0.1"])
    admin = bearer(mint("org_admin", org=ORG))
    created = await create(service, admin, f"http://127.0.0.1:{first.port}/hook")
    assert created.status_code == 201, created.text
    endpoint_id = created.json()["id"]
    await service.client.post(f"/webhooks/{endpoint_id}/test", headers=admin)
    delivery = await finished(service, admin, endpoint_id)
    assert (delivery["status"], delivery["attempts"]) == ("failed", 1), delivery
    assert "307" in delivery["reason"]
    assert first.calls == ["/hook"] and inside.calls == []


async def test_the_allow_list_names_private_places_and_nothing_else(
    start_service: StartService, mint: Mint, partners: list[Partner]
) -> None:
    receiver = partners[0]
    dns = FakeDns()
    dns.names["hooks.corp.test"] = ["10.20.30.40"]
    dns.names["hooks.lab.test"] = ["127.0.0.1"]
    service = await start(
        start_service,
        "sqlite",
        dns,
        webhook_allowed_private=["127.0.0.1", "10.20.0.0/16", "hooks.lab.test"],
    )
    admin = bearer(mint("org_admin", org=ORG))
    allowed = [
        f"http://127.0.0.1:{receiver.port}/hook",
        "http://hooks.corp.test/hook",
        "http://10.20.1.1/hook",
        f"http://hooks.lab.test:{receiver.port}/hook",
    ]
    for url in allowed:
        assert (await create(service, admin, url)).status_code == 201, url
    refused = ["http://127.0.0.2/hook", "http://10.21.0.1/hook", "http://[::1]/hook"]
    refused += ["http://169.254.169.254/", "http://localhost/hook"]
    for url in refused:
        assert (await create(service, admin, url)).status_code == 422, url
    dns.names["hooks.lab.test"] = ["169.254.169.254"]  # not even a listed name reaches metadata
    assert (await create(service, admin, "http://hooks.lab.test/hook")).status_code == 422


async def test_a_long_answer_is_cut_short(start_service: StartService, mint: Mint) -> None:
    written: list[int] = []

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            for _ in range(16384):  # a gigabyte, unless the caller stops reading
                await response.write(chunk)
                written.append(len(chunk))
        except (ConnectionError, RuntimeError):
            pass
        return response

    app = web.Application()
    app.router.add_post("/hook", endless)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        service = await start(
            start_service, "sqlite", FakeDns(), webhook_allowed_private=["127.0.0.1"]
        )
        admin = bearer(mint("org_admin", org=ORG))
        created = await create(service, admin, f"http://127.0.0.1:{port}/hook")
        await service.client.post(f"/webhooks/{created.json()['id']}/test", headers=admin)
        delivery = await finished(service, admin, created.json()["id"])
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 1), delivery
        assert sum(written) < 16384 * 65536
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://017700000001/",
        "http://127.0.0.1./",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1%25eth0]/",
        "http://localhost./",
        "https://metadata./",
        "http://user@hooks.partner.test/",
        "javascript://hooks.partner.test/",
        "http:///hook",
        "http://hooks.partner.test:99999/",
    ],
)
async def test_the_guard_refuses_raw_spellings(url: str) -> None:
    guard = OutboundGuard()
    with pytest.raises(Refused):
        await guard.check(url)
