"""The live feed reads each event with its contract and counts the subscriptions listening."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import nats
import pytest

from harbour_gateway.live import Live
from harbour_kit.contracts import ReferralTransitioned
from harbour_kit.contracts.vocabulary import Action, Status
from harbour_kit.events.envelope import Envelope, nats_subject


@pytest.fixture
async def live(nats_url: str, namespace: str) -> AsyncIterator[Live]:
    """A connected live feed on this test's namespace."""
    feed = Live(nats_url, namespace)
    await feed.start()
    await asyncio.wait_for(feed.ready.wait(), 10)
    yield feed
    await feed.close()


def _transition(referral_id: str, **data: Any) -> Envelope:
    """A transition event of `referral_id`, its data overridden by `data`."""
    event = ReferralTransitioned(
        referral_id=referral_id,
        reference="R-TEST01",
        action=Action.SEND,
        status=Status.REQUESTED,
        previous_status=Status.DRAFT,
        version=2,
        urgency="routine",
        purpose="legal",
        service_id="svc-1",
        referrer_organization_id="org-referrer",
        recipient_organization_id="org-partner",
        occurred_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(event, source="/harbour/referrals")
    return Envelope(
        id=envelope.id,
        type=envelope.type,
        source=envelope.source,
        time=envelope.time,
        data={**envelope.data, **data},
    )


async def _publish(nats_url: str, namespace: str, *envelopes: Envelope) -> None:
    """Publishes the envelopes on core NATS, in order."""
    client = await nats.connect(nats_url)
    try:
        for envelope in envelopes:
            subject = nats_subject(envelope.type, namespace)
            await client.publish(subject, envelope.body(), headers=envelope.headers())
        await client.flush()
    finally:
        await client.close()


async def test_a_message_that_does_not_fit_its_contract_reaches_no_subscriber(
    live: Live, nats_url: str, namespace: str
) -> None:
    referral_id = str(uuid.uuid4())
    with live.listen(ReferralTransitioned, lambda e: e.referral_id == referral_id) as listener:
        unfit = _transition(referral_id, status="lost")
        fitting = _transition(referral_id)
        await _publish(nats_url, namespace, unfit, fitting)
        event = await asyncio.wait_for(listener.queue.get(), 10)
        assert (event.status, event.action) == (Status.REQUESTED, Action.SEND)
        assert listener.queue.empty()  # the unfit one came first and was dropped


async def test_registrations_can_be_awaited(live: Live) -> None:
    target = live.registrations + 2
    started = asyncio.Event()

    async def two_more() -> None:
        started.set()
        await live.registered(target)

    waiting = asyncio.create_task(two_more())
    await started.wait()  # the task now waits inside `registered`
    with live.listen(ReferralTransitioned, lambda e: True):
        assert not waiting.done()
        with live.listen(ReferralTransitioned, lambda e: False):
            await asyncio.wait_for(waiting, 10)
            assert live.registrations == target
    assert live.listeners == set()
