"""Referral events reach people: inbox, e-mail in their language, signed webhooks with retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from sqlmodel import select

from harbour_directory.demo import sample_directory
from harbour_directory.seed import seed
from harbour_notifications.models import Listing
from harbour_notifications.webhooks import signing
from harbour_referrals.referrals import clocks
from harbour_referrals.runtime import runtime_of
from harbour_runner.personas import CARE_NETWORK, LEGAL_CLINIC
from tests.conftest import Mint, Running, StartService, bearer, eventually
from tests.harness import LocalNats, free_port
from tests.referrals.conftest import DETAILS, NEEDS, PARTNER_ORG, REFERRER_ORG, World, make_world


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        message["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def mailbox() -> Any:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@dataclass
class Receiver:
    """A partner's webhook endpoint that fails the first `failures` calls."""

    failures: int = 0
    calls: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = 500 if len(self.calls) < self.failures else 204
        self.calls.append((dict(request.headers), body, status))
        return web.Response(status=status)


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


@dataclass
class Stack:
    world: World
    notifications: Running
    mail: Mailbox


@pytest.fixture
async def stack(start_service: StartService, backend: str, mint: Mint, mailbox: Any) -> Stack:
    box, port = mailbox
    referrals = await start_service("referrals", backend)
    notifications = await start_service(
        "notifications",
        backend,
        smtp_port=port,
        delivery_backoff=0.2,
        delivery_poll_interval=0.05,
        delivery_max_attempts=3,
        public_url="https://harbour.example",
        webhook_allowed_private=["127.0.0.1"],  # the fake partner listens on loopback
    )
    return Stack(await make_world(referrals, mint), notifications, box)


async def profile(stack: Stack, who: dict[str, str], **body: Any) -> None:
    response = await stack.notifications.client.put("/me", json=body, headers=who)
    assert response.status_code == 200, response.text


def body_of(message: Message) -> str:
    """A message's plain-text body (its first part)."""
    part = message.get_payload(0)
    assert isinstance(part, Message)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def text_of(message: Message) -> str:
    """A message's subject and plain-text body."""
    return str(message["Subject"]) + body_of(message)


def about(mail: Mailbox, reference: str) -> list[Message]:
    """The messages that mention a referral's reference."""
    return [m for m in mail.messages if reference in text_of(m)]


async def after_a_marker(stack: Stack, arrived: Callable[[str], bool]) -> None:
    """Sends one more referral; returns once `arrived(its reference)` and no delivery is queued.

    The consumer handles events in order, so by then every delivery of an earlier referral
    exists, and with none queued, nothing more of them can arrive.
    """
    marker = await stack.world.referral()

    async def settled() -> bool:
        queued = await stack.notifications.client.get(
            "/deliveries", params={"status": "queued"}, headers=stack.world.partner_admin
        )
        assert queued.status_code == 200, queued.text
        return arrived(marker["reference"]) and queued.json()["items"] == []

    await eventually(settled)


async def test_a_sent_referral_reaches_each_recipient_once_in_their_language(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    world = stack.world
    await profile(stack, world.partner, email="staff@partner.example", locale="zh-Hant")
    await profile(stack, world.partner_admin, email="admin@partner.example", locale="en")
    await profile(stack, world.worker, email="worker@referrer.example", locale="en")
    referral = await world.referral()

    async def two_mails() -> bool:
        return len(about(stack.mail, referral["reference"])) >= 2

    await eventually(two_mails)
    await after_a_marker(stack, lambda marker: len(about(stack.mail, marker)) == 2)
    mails = about(stack.mail, referral["reference"])  # and nothing more arrived
    assert sorted(m["X-Rcpt"] for m in mails) == ["admin@partner.example", "staff@partner.example"]
    by_to = {m["X-Rcpt"]: m for m in mails}
    chinese, english = by_to["staff@partner.example"], by_to["admin@partner.example"]
    assert chinese["Content-Language"] == "zh-Hant" and english["Content-Language"] == "en"
    zh_text = body_of(chinese)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_text)
    assert "https://harbour.example/referrals/" in zh_text
    for message in mails:
        raw = message.as_string()
        for secret in (DETAILS["name"], DETAILS["phone"], NEEDS):
            assert str(secret) not in raw

    inbox = (await stack.notifications.client.get("/inbox", headers=world.partner)).json()
    received = [i for i in inbox["items"] if i["reference"] == referral["reference"]]
    assert [i["kind"] for i in received] == ["referral.received"]

    accepted = await world.act(referral, "accept", world.partner, assignee="partner-1")
    assert accepted.status_code == 200

    async def told_referrer() -> bool:
        return any(m["X-Rcpt"] == "worker@referrer.example" for m in stack.mail.messages)

    await eventually(told_referrer)
    sent = (await stack.notifications.client.get("/inbox", headers=world.worker)).json()
    assert [i["kind"] for i in sent["items"]] == ["referral.accepted"]
    logs = capsys.readouterr()
    for secret in (DETAILS["name"], NEEDS, "staff@partner.example"):
        assert str(secret) not in logs.out + logs.err


async def test_webhooks_are_signed_retried_once_delivered_and_dead_letters_redriven(
    stack: Stack, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    world, client = stack.world, stack.notifications.client
    created = await client.post("/webhooks", json={"url": url}, headers=world.partner_admin)
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    hook.failures = 2
    referral = await world.referral()

    async def delivered() -> bool:
        return any(status == 204 for _, _, status in hook.calls)

    await eventually(delivered)

    def calls_about(reference: str) -> list[tuple[dict[str, str], bytes, int]]:
        return [call for call in hook.calls if reference.encode() in call[1]]

    await after_a_marker(stack, lambda marker: [s for *_, s in calls_about(marker)] == [204])
    calls = calls_about(referral["reference"])
    assert [status for _, _, status in calls] == [500, 500, 204]
    ids = {headers["webhook-id"] for headers, _, _ in calls}
    assert len(ids) == 1  # the same message, retried
    headers, body, _ = calls[-1]
    signing.verify(secret, headers=headers, body=body)
    assert b"Amina" not in body
    log = (await client.get("/deliveries", headers=world.partner_admin)).json()["items"]
    webhook = [d for d in log if d["channel"] == "webhook"]
    # Newest first: the marker's, delivered at once, then the referral's, on the third try.
    assert [(d["status"], d["attempts"]) for d in webhook] == [("delivered", 1), ("delivered", 3)]

    hook.calls.clear()
    hook.failures = 10**6
    await world.referral()

    async def given_up() -> list[dict[str, Any]]:
        items = (await client.get("/admin/deliveries", headers=world.admin)).json()["items"]
        return items

    [dead] = await eventually(given_up)
    assert (dead["status"], dead["attempts"], dead["channel"]) == ("failed", 3, "webhook")
    hook.failures = 0
    hook.calls.clear()
    redriven = await client.post(f"/admin/deliveries/{dead['id']}/redrive", headers=world.admin)
    assert redriven.status_code == 200
    await eventually(delivered)
    assert len(hook.calls) == 1
    rotated = await client.post(
        f"/webhooks/{created.json()['id']}/rotate", headers=world.partner_admin
    )
    new_secret = rotated.json()["secret"]
    assert new_secret != secret and len(rotated.json()["secrets"]) == 2


async def test_org_scoping_of_webhooks_and_preferences(stack: Stack, mint: Mint) -> None:
    world, client = stack.world, stack.notifications.client
    created = await client.post(
        "/webhooks", json={"url": "https://partner.example/hook"}, headers=world.partner_admin
    )
    other = bearer(mint("org_admin", org=REFERRER_ORG))
    assert (
        await client.post(f"/webhooks/{created.json()['id']}/rotate", headers=other)
    ).status_code == 404
    assert (await client.get("/webhooks", headers=other)).json()["items"] == []
    assert (
        await client.post("/webhooks", json={"url": "x"}, headers=world.partner)
    ).status_code == 403
    refused = await client.put(
        "/me/preferences",
        json=[{"kind": "referral.received", "channel": "inbox", "enabled": False}],
        headers=world.partner,
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "[0].enabled"
    assert PARTNER_ORG in created.json()["organization_id"]


@pytest.fixture
def own_nats() -> Any:
    """A NATS server this test may stop and start again (same port, same JetStream store)."""
    server = LocalNats()
    server.start()
    try:
        yield server
    finally:
        server.close()


async def test_a_burst_survives_restarts_of_the_service_and_of_nats(
    start_service: StartService, mint: Mint, mailbox: Any, own_nats: LocalNats
) -> None:
    box, port = mailbox
    common = {"nats_url": own_nats.url}
    options = {"smtp_port": port, "delivery_poll_interval": 0.05, "delivery_backoff": 0.2}
    referrals = await start_service("referrals", **common)
    notifications = await start_service("notifications", **common, **options)
    world = await make_world(referrals, mint)
    stack = Stack(world, notifications, box)
    await profile(stack, world.partner, email="staff@partner.example", locale="en")
    made = [await world.referral() for _ in range(8)]

    url = notifications.service.settings.database_url
    await notifications.client.aclose()
    await notifications.service.stop()  # the service goes down mid-stream …
    made += [await world.referral() for _ in range(8)]
    own_nats.stop()  # … and then NATS, while referrals keep being sent (held in the outbox)
    made += [await world.referral() for _ in range(8)]
    own_nats.start()
    restarted = await start_service("notifications", database_url=url, **common, **options)

    async def all_mail() -> bool:
        return len(box.messages) >= len(made)

    await eventually(all_mail, within=60)
    # And nothing more: a referral sent after them gets its one mail, and nothing waits.
    await after_a_marker(Stack(world, restarted, box), lambda marker: len(about(box, marker)) == 1)
    assert len(box.messages) == len(made) + 1 == 25
    assert all(len(about(box, r["reference"])) == 1 for r in made)


async def test_inbox_seen_archived_and_read_all(stack: Stack) -> None:
    world, client = stack.world, stack.notifications.client
    made = [await world.referral() for _ in range(3)]

    async def three() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await client.get("/inbox", headers=world.partner)).json()[
            "items"
        ]
        return items if len(items) == 3 else []

    items = await eventually(three)
    assert {i["reference"] for i in items} == {r["reference"] for r in made}
    seen = (await client.post(f"/inbox/{items[0]['id']}/seen", headers=world.partner)).json()
    assert seen["seen_at"] and seen["read_at"] is None
    archived = (await client.post(f"/inbox/{items[1]['id']}/archive", headers=world.partner)).json()
    assert archived["archived_at"] and archived["read_at"]
    inbox = (await client.get("/inbox", headers=world.partner)).json()
    assert (len(inbox["items"]), inbox["unread_count"]) == (2, 2)
    everything = (await client.get("/inbox?include_archived=true", headers=world.partner)).json()
    assert len(everything["items"]) == 3
    assert (await client.post("/inbox/read-all", headers=world.partner)).json() == {"marked": 2}
    assert (await client.get("/inbox", headers=world.partner)).json()["unread_count"] == 0
    assert (
        await client.post(f"/inbox/{items[0]['id']}/seen", headers=world.worker)
    ).status_code == 403


async def test_sms_goes_through_a_twilio_compatible_api_and_falls_back(
    start_service: StartService, mint: Mint, tmp_path: Any
) -> None:
    calls: list[tuple[str, dict[str, str], str]] = []
    failing = {"on": True}

    async def messages(request: web.Request) -> web.Response:
        form = await request.post()
        calls.append(
            (request.path, {k: str(v) for k, v in form.items()}, request.headers["Authorization"])
        )
        return web.Response(status=503 if failing["on"] else 201, text="{}")

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/AC123/Messages.json", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        referrals = await start_service("referrals")
        notifications = await start_service(
            "notifications",
            sms_provider="twilio",
            sms_fallback_provider="local",
            sms_api_url=f"http://127.0.0.1:{port}",
            sms_account="AC123",
            sms_token="secret-token",
            sms_from="+85230000000",
            data_dir=tmp_path,
            delivery_poll_interval=0.05,
        )
        world = await make_world(referrals, mint)
        stack = Stack(world, notifications, Mailbox())
        await profile(stack, world.partner, phone="+85251234567", locale="en")
        first = await world.referral()
        sink = tmp_path / "sms-outbox.jsonl"

        async def fell_back() -> bool:
            return sink.exists() and first["reference"] in sink.read_text()

        await eventually(fell_back)  # the provider answered 503: the local sink took it
        failing["on"] = False
        second = await world.referral()

        async def via_provider() -> bool:
            return any(second["reference"] in form["Body"] for _, form, _ in calls)

        await eventually(via_provider)
        _, form, auth = calls[-1]
        assert form["To"] == "+85251234567" and form["From"] == "+85230000000"
        assert auth.startswith("Basic ") and len(form["Body"]) <= 160
        assert "Amina" not in form["Body"]
    finally:
        await runner.cleanup()


class LossyMailbox(Mailbox):
    """Keeps the first message, then answers as if it had not (451): the sender tries again."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        return "451 4.3.0 try again later" if len(self.messages) == 1 else "250 OK"


async def test_a_repeated_email_carries_the_same_message_id(
    start_service: StartService, mint: Mint
) -> None:
    box = LossyMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        referrals = await start_service("referrals")
        notifications = await start_service(
            "notifications",
            smtp_port=controller.port,
            delivery_backoff=0.2,
            delivery_poll_interval=0.05,
            delivery_max_attempts=3,
            mail_from="Harbour <no-reply@harbour.example>",
        )
        stack = Stack(await make_world(referrals, mint), notifications, box)
        await profile(stack, stack.world.partner, email="staff@partner.example")
        await stack.world.referral()

        async def twice() -> list[Message]:
            return box.messages if len(box.messages) >= 2 else []

        first, again = await eventually(twice)
        assert first["Message-ID"] == again["Message-ID"]
        assert str(first["Message-ID"]).endswith("@harbour.example>")
        deliveries = (
            await notifications.client.get("/deliveries", headers=stack.world.partner_admin)
        ).json()["items"]
        (email,) = [d for d in deliveries if d["channel"] == "email"]
        assert email["status"] == "sent" and email["attempts"] == 2
        assert email["id"] in str(first["Message-ID"])
    finally:
        controller.stop()


async def test_a_near_deadline_reminds_the_partner_once_in_their_language(stack: Stack) -> None:
    world = stack.world
    await profile(stack, world.partner, email="staff@partner.example", locale="zh-Hant")
    referral = await world.referral()
    runtime = runtime_of(world.referrals.service)
    sent = (await world.call("GET", f"/referrals/{referral['id']}", world.partner)).json()
    # Routine: 72 h to acknowledge, reminded 18 h before (a quarter of the time, under 24 h).
    sent_at = datetime.fromisoformat(sent["sent_at"])
    assert datetime.fromisoformat(sent["acknowledge_by"]) == sent_at + timedelta(hours=72)
    early = sent_at + timedelta(hours=50)
    assert await clocks.remind(runtime, early) == 0
    near = sent_at + timedelta(hours=60)
    assert await clocks.remind(runtime, near) == 1
    assert await clocks.remind(runtime, near + timedelta(minutes=5)) == 0  # once per deadline

    async def reminded() -> list[dict[str, Any]]:
        inbox = (await stack.notifications.client.get("/inbox", headers=world.partner)).json()
        return [i for i in inbox["items"] if i["kind"] == "referral.deadline"]

    (item,) = await eventually(reminded)
    assert item["reference"] == referral["reference"]

    def text(message: Message) -> str:
        part: Any = message.get_payload(0)
        return str(part.get_payload(decode=True).decode())

    async def mailed() -> list[Message]:
        return [m for m in stack.mail.messages if "仍在等候你的回覆" in text(m)]

    (mail,) = await eventually(mailed)
    assert mail["X-Rcpt"] == "staff@partner.example" and referral["reference"] in text(mail)
    # Acknowledged: the next deadline (decide, 168 h) gets its own reminder.
    acknowledged = await world.act(referral, "acknowledge", world.partner)
    assert acknowledged.status_code == 200
    assert await clocks.remind(runtime, near) == 0
    assert await clocks.remind(runtime, sent_at + timedelta(hours=150)) == 1


async def test_each_side_hears_the_other_organisations_name(
    start_service: StartService, mint: Mint, mailbox: Any
) -> None:
    box, port = mailbox
    directory = await start_service("directory")
    referrals = await start_service("referrals")
    notifications = await start_service(
        "notifications", smtp_port=port, delivery_backoff=0.2, delivery_poll_interval=0.05
    )
    await seed(directory.service)
    clinic = next(o for o in sample_directory() if o["id"] == LEGAL_CLINIC)
    casework = next(o for o in sample_directory() if o["id"] == CARE_NETWORK)
    worker = bearer(mint("social_worker", org=CARE_NETWORK, sub="worker-names"))
    partner = bearer(mint("partner_staff", org=LEGAL_CLINIC, sub="partner-names"))
    for who, email in ((worker, "worker@casework.example"), (partner, "staff@clinic.example")):
        saved = await notifications.client.put("/me", json={"email": email}, headers=who)
        assert saved.status_code == 200
    claimant = (await referrals.client.post("/claimants", json=DETAILS, headers=worker)).json()
    consent = {
        "claimant_id": claimant["id"],
        "purpose": "legal",
        "receiving_organization_ids": [LEGAL_CLINIC],
        "data_categories": ["identity", "contact", "languages", "needs"],
        "method": "verbal",
    }
    assert (await referrals.client.post("/consents", json=consent, headers=worker)).is_success
    body = {
        "claimant_id": claimant["id"],
        "service_id": clinic["services"][0]["id"],
        "purpose": "legal",
        "send": True,
    }

    async def sent() -> dict[str, Any] | None:  # once the listing reached referrals
        response = await referrals.client.post("/referrals", json=body, headers=worker)
        return dict(response.json()) if response.status_code == 201 else None

    referral = await eventually(sent, within=30)

    async def names_known() -> bool:  # the directory's events have reached notifications too
        async with notifications.service.factory() as session:
            rows = (await session.exec(select(Listing))).all()
        listed = {row.service_id for row in rows}
        named = {row.organization_id for row in rows if row.organization_name}
        return body["service_id"] in listed and {LEGAL_CLINIC, CARE_NETWORK} <= named

    await eventually(names_known, within=60)
    accepted = await referrals.client.post(
        f"/referrals/{referral['id']}/actions/accept", json={"assignee": "p-1"}, headers=partner
    )
    assert accepted.status_code == 200

    def text_to(address: str) -> str:
        parts = [m for m in box.messages if m["X-Rcpt"] == address]
        return "".join(str(p.get_payload(0).get_payload(decode=True).decode()) for p in parts)

    async def both_told() -> bool:
        return bool(text_to("worker@casework.example") and text_to("staff@clinic.example"))

    await eventually(both_told, within=30)
    assert str(clinic["name"]) in text_to("worker@casework.example")  # "… has accepted"
    assert str(casework["name"]) in text_to("staff@clinic.example")  # "… from …"


async def test_mail_after_the_mail_server_restarted_goes_out_once_on_a_new_connection(
    start_service: StartService, mint: Mint
) -> None:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        referrals = await start_service("referrals")
        notifications = await start_service(
            "notifications", smtp_port=port, delivery_backoff=0.2, delivery_poll_interval=0.05
        )
        stack = Stack(await make_world(referrals, mint), notifications, box)
        await profile(stack, stack.world.partner, email="staff@partner.example")
        first = await stack.world.referral()

        async def mailed(reference: str) -> list[Message]:
            return about(box, reference)

        await eventually(lambda: mailed(first["reference"]))
        # The connection the sender keeps open dies with the server; a new server takes over.
        controller.stop()
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        second = await stack.world.referral()
        await eventually(lambda: mailed(second["reference"]))
        await after_a_marker(stack, lambda marker: len(about(box, marker)) == 1)
        assert [len(about(box, r["reference"])) for r in (first, second)] == [1, 1]
        deliveries = (
            await notifications.client.get("/deliveries", headers=stack.world.partner_admin)
        ).json()["items"]
        assert {(d["status"], d["attempts"]) for d in deliveries} == {("sent", 1)}
    finally:
        controller.stop()
