"""Harbour keeps its promises while parts of a cluster fail: NATS nodes, replicas, PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest

from harbour_kit.events.streams import ensure_event_stream, stream_name
from harbour_kit.migrations import upgrade
from tests.conftest import MIGRATIONS, Mint, Running, StartService, eventually
from tests.harness import LocalPostgres, create_database
from tests.referrals.conftest import make_world
from tests.scale.cluster import NatsCluster
from tests.scale.conftest import (
    PATIENT,
    SENT,
    Sink,
    burst,
    delivered,
    produced,
    report,
    settle,
)

pytestmark = [pytest.mark.postgres, pytest.mark.nats]


def mail_settings(sink: Sink) -> dict[str, Any]:
    """Notifications settings that send to the test's SMTP sink without waiting long."""
    return {"smtp_port": sink.port, "delivery_poll_interval": 0.05, "delivery_backoff": 0.2}


async def give_partner_an_address(notifications: Running, partner: dict[str, str]) -> None:
    """The partner's staff member asks for e-mail: one e-mail per sent referral."""
    body = {"email": "staff@partner.example", "locale": "en"}
    response = await notifications.client.put("/me", json=body, headers=partner)
    assert response.status_code == 200, response.text


async def stream_leader(url: str, name: str) -> str:
    """The server name that leads a stream's replicas right now."""
    client = await nats.connect(url)
    try:
        info = await client.jetstream().stream_info(name)
        assert info.cluster is not None and info.cluster.leader is not None
        assert len(info.cluster.replicas or []) == 2  # three copies in all
        return str(info.cluster.leader)
    finally:
        await client.close()


async def test_a_nats_node_killed_mid_burst_loses_and_repeats_nothing(
    start_service: StartService,
    nats_cluster: NatsCluster,
    namespace: str,
    mint: Mint,
    sink: Sink,
) -> None:
    seed = await nats.connect(nats_cluster.nodes[0].url)
    try:
        for producer in ("referrals", "notifications"):
            await ensure_event_stream(
                seed.jetstream(), namespace=namespace, producer=producer, replicas=3
            )
    finally:
        await seed.close()
    leader = nats_cluster.node(
        await stream_leader(nats_cluster.nodes[0].url, stream_name(namespace, "referrals"))
    )
    # The services talk to the node that leads the stream: killing it costs them their
    # connection and the stream its leader at once.
    common = {"nats_url": leader.url, "events_replicas": 3, **PATIENT}
    referrals = await start_service("referrals", "postgresql", **common)
    notifications = await start_service(
        "notifications", "postgresql", **common, **mail_settings(sink)
    )
    world = await make_world(referrals, mint)
    await give_partner_an_address(notifications, world.partner)

    references = await burst([referrals], world.worker, 10)
    await eventually(lambda: _some_mail(sink))
    leader.kill()
    references += await burst([referrals], world.worker, 10)
    leader.start()
    references += await burst([referrals], world.worker, 10)

    events = await settle(referrals, notifications, sink, references)
    report("nats node killed", referrals=len(references), events=events, sink=sink)
    made, applied = events
    assert made == applied >= len(references)
    assert sorted(sink.box.references) == sorted(references)  # each exactly once
    new_leader = await stream_leader(leader.url, stream_name(namespace, "referrals"))
    assert new_leader in {node.name for node in nats_cluster.nodes}


async def test_two_replicas_of_each_service_share_the_work_without_duplicates(
    start_service: StartService, mint: Mint, sink: Sink
) -> None:
    first = await start_service("referrals", "postgresql", **PATIENT)
    second = await start_service(
        "referrals", database_url=first.service.settings.database_url, **PATIENT
    )
    senders = [await start_service("notifications", "postgresql", **PATIENT, **mail_settings(sink))]
    senders.append(
        await start_service(
            "notifications",
            database_url=senders[0].service.settings.database_url,
            **PATIENT,
            **mail_settings(sink),
        )
    )
    world = await make_world(first, mint)
    await give_partner_an_address(senders[0], world.partner)

    references = await burst([first, second], world.worker, 40)

    events = await settle(first, senders[0], sink, references)
    report("two replicas each", referrals=len(references), events=events, sink=sink)
    made, applied = events
    assert made == applied >= len(references)
    assert sorted(sink.box.references) == sorted(references)  # each exactly once
    published = [_sample(r, "harbour_events_published_total", type=SENT) for r in (first, second)]
    handled = [
        _sample(n, "harbour_events_handled_total", consumer="notifications", outcome="applied")
        for n in senders
    ]
    print(f"relay replicas published {published}; consumer replicas applied {handled}")
    assert sum(published) == made and min(published) > 0
    assert sum(handled) == applied and min(handled) > 0


async def test_postgresql_restarted_mid_burst_recovers_and_loses_nothing(
    own_postgres: LocalPostgres, start_service: StartService, mint: Mint, sink: Sink
) -> None:
    urls = {}
    for name in ("referrals", "notifications"):
        urls[name] = await create_database(own_postgres.url)
        await asyncio.to_thread(upgrade, MIGRATIONS[name], urls[name])
    referrals = await start_service("referrals", database_url=urls["referrals"], **PATIENT)
    notifications = await start_service(
        "notifications", database_url=urls["notifications"], **PATIENT, **mail_settings(sink)
    )
    world = await make_world(referrals, mint)
    await give_partner_an_address(notifications, world.partner)

    references = await burst([referrals], world.worker, 10)
    await eventually(lambda: _some_mail(sink))
    await asyncio.to_thread(own_postgres.stop)  # cuts every connection of both services
    refused = _refused(referrals)
    during = asyncio.create_task(burst([referrals], world.worker, 10))
    await eventually(lambda: _refused_more(referrals, than=refused))  # the burst meets the outage
    await asyncio.to_thread(own_postgres.resume)
    references += await during
    references += await burst([referrals], world.worker, 10)

    events = await settle(referrals, notifications, sink, references)
    report("postgresql restarted", referrals=len(references), events=events, sink=sink)
    made, applied = events
    assert made == applied >= len(references)
    assert set(sink.box.references) == set(references)  # nothing lost
    assert await produced(referrals) == await delivered(notifications)


def _sample(running: Running, metric: str, **labels: str) -> int:
    value = running.service.metrics.registry.get_sample_value(metric, labels)
    return int(value or 0)


def _refused(running: Running) -> int:
    """Requests the service has answered with a 500 so far."""
    return sum(
        int(sample.value)
        for metric in running.service.metrics.registry.collect()
        for sample in metric.samples
        if sample.name == "harbour_http_requests_total" and sample.labels.get("status") == "500"
    )


async def _refused_more(running: Running, *, than: int) -> bool:
    """Whether the service has answered more requests with a 500 than `than`."""
    return _refused(running) > than


async def _some_mail(sink: Sink) -> bool:
    return bool(sink.box.references)
