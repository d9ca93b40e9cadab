"""Fixtures and helpers of the fault tests: a mail sink, a NATS cluster, a burst driver, counts."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from harbour_kit.contracts import ReferralTransitioned
from tests.conftest import Running, eventually
from tests.harness import LocalPostgres, free_port
from tests.referrals.conftest import DETAILS, LEGAL, NEEDS, PARTNER_ORG
from tests.scale.cluster import NatsCluster

SENT = ReferralTransitioned.event_type
REFERENCE = re.compile(r"\bR-[0-9A-Z]{4,}\b")
# Retries that outlast a short outage, as production's do: nothing may land in dead letters.
PATIENT = {
    "events_max_deliver": 30,
    "events_backoff": [0.5, 1.0, 2.0],
    "events_ack_wait": 10.0,
}


class Mailbox:
    """An aiosmtpd handler that keeps the referral reference of every message it accepts."""

    def __init__(self) -> None:
        self.references: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message: Message = message_from_bytes(envelope.content)
        found = REFERENCE.search(str(message["Subject"]))
        self.references.append(found.group(0) if found else "")
        return "250 OK"

    def counts(self) -> Counter[str]:
        """How many e-mails arrived for each reference."""
        return Counter(self.references)


@dataclass
class Sink:
    box: Mailbox
    port: int


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A real SMTP server on a loopback port."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield Sink(box, controller.port)
    finally:
        controller.stop()


@pytest.fixture
async def nats_cluster() -> AsyncIterator[NatsCluster]:
    """Three JetStream servers joined by routes, ready for replicated streams."""
    cluster = NatsCluster(size=3)
    cluster.start()
    try:
        await cluster.wait_for_jetstream()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
async def own_postgres() -> AsyncIterator[LocalPostgres]:
    """A PostgreSQL server of this test alone, which it may stop and start again."""
    server = LocalPostgres()
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.close)


async def persist(
    call: Callable[[], Awaitable[httpx.Response]], *, within: float = 60.0
) -> dict[str, Any]:
    """Repeats a request, as a patient client would, until the service answers below 500."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            response = await call()
        except Exception:  # the in-process app re-raises what its database threw
            response = None
        if response is not None and response.status_code < 500:
            assert response.status_code in (200, 201), response.text
            result: dict[str, Any] = response.json()
            return result
        assert asyncio.get_running_loop().time() < deadline, "the service did not recover"
        await asyncio.sleep(0.2)


async def send_referral(replica: Running, worker: dict[str, str]) -> str:
    """Records a claimant and consent and sends one referral; returns its reference."""
    client = replica.client
    claimant = await persist(lambda: client.post("/claimants", json=DETAILS, headers=worker))
    consent = {
        "claimant_id": claimant["id"],
        "purpose": "legal",
        "receiving_organization_ids": [PARTNER_ORG],
        "data_categories": ["identity", "contact", "languages", "needs"],
        "method": "verbal",
    }
    await persist(lambda: client.post("/consents", json=consent, headers=worker))
    body = {
        "claimant_id": claimant["id"],
        "service_id": LEGAL,
        "purpose": "legal",
        "needs_summary": NEEDS,
        "send": True,
    }
    # A retried create must not make a second referral when the first one did commit.
    once = {**worker, "idempotency-key": uuid.uuid4().hex}
    referral = await persist(lambda: client.post("/referrals", json=body, headers=once))
    return str(referral["reference"])


async def burst(replicas: list[Running], worker: dict[str, str], count: int) -> list[str]:
    """Sends `count` referrals, four at a time, spread over the given replicas."""
    gate = asyncio.Semaphore(4)

    async def one(index: int) -> str:
        async with gate:
            return await send_referral(replicas[index % len(replicas)], worker)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def count(running: Running, sql: str) -> int:
    """A number read straight from a service's database."""
    async with running.service.engine.connect() as connection:
        return int((await connection.scalar(text(sql))) or 0)


async def produced(referrals: Running) -> int:
    """Referral events committed to the outbox and published to JetStream."""
    return await count(
        referrals,
        f"SELECT count(*) FROM event_outbox WHERE event_type = '{SENT}' "  # noqa: S608
        "AND published_at IS NOT NULL",
    )


async def delivered(notifications: Running) -> int:
    """Referral events the notifications consumer applied (one inbox row per event)."""
    return await count(
        notifications,
        f"SELECT count(*) FROM event_inbox WHERE consumer = 'notifications' "  # noqa: S608
        f"AND event_type = '{SENT}'",
    )


async def settle(
    referrals: Running, notifications: Running, sink: Sink, references: list[str]
) -> tuple[int, int]:
    """Waits until every event is applied, every e-mail arrived and no delivery is left queued.

    A delivery's e-mail reaches the sink before its row leaves `queued`, and every event is
    applied by then, so with no row queued nothing sent twice can still arrive.
    """
    committed = await count(
        referrals,
        f"SELECT count(*) FROM event_outbox WHERE event_type = '{SENT}'",  # noqa: S608
    )

    async def done() -> bool:
        return (
            await produced(referrals) == committed
            and await delivered(notifications) == committed
            and set(references) <= set(sink.box.references)
            and await count(notifications, "SELECT count(*) FROM delivery WHERE status = 'queued'")
            == 0
        )

    await eventually(done, within=90, interval=0.25)
    return await produced(referrals), await delivered(notifications)


def report(label: str, *, referrals: int, events: tuple[int, int], sink: Sink) -> None:
    """Prints what the test produced and what arrived."""
    made, applied = events
    mails = sink.box.counts()
    print(
        f"\n[{label}] referrals sent: {referrals}; events produced: {made}, delivered: {applied};"
        f" e-mails: {sum(mails.values())} for {len(mails)} references"
        f" (sent twice: {sum(1 for n in mails.values() if n > 1)})"
    )
