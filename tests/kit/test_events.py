"""Events are never lost between commit and publish, and never applied twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import Error as NatsError
from sqlalchemy import select, update

from harbour_directory.hsds.ingest import ingest_documents
from harbour_directory.listings import service as listings
from harbour_kit.app import create_app
from harbour_kit.auth import Principal, Role
from harbour_kit.contracts import ServiceUpserted
from harbour_kit.db import execute
from harbour_kit.events import Envelope, EventContract
from harbour_kit.events.consumer import BatchHandler, apply_many, apply_once
from harbour_kit.events.envelope import nats_subject
from harbour_kit.events.registry import ContractViolation
from harbour_kit.events.streams import stream_name
from harbour_kit.service import Service
from harbour_kit.settings import ServiceSettings
from tests.conftest import Databases, Keys, Mint, Running, StartService, bearer, eventually
from tests.kit.probe import (
    Behaviour,
    ProbeModel,
    batch_handler_for,
    effect_count,
    effects,
    handler_for,
)

ORG = "0e8f1a52-0000-4000-8000-00000000aaaa"
ADMIN = Principal(sub="t", org_id=ORG, roles=frozenset({Role.ORG_ADMIN}))


@dataclass
class Probe:
    service: Service
    client: httpx.AsyncClient
    behaviour: Behaviour

    async def effect_count(self) -> int:
        async with self.service.factory() as session:
            return await effect_count(session)


StartProbe = Callable[..., Awaitable[Probe]]


@pytest.fixture
async def start_probe(
    databases: Databases, nats_url: str, keys: Keys, namespace: str
) -> AsyncIterator[StartProbe]:
    started: list[Probe] = []

    async def _start(
        backend: str,
        database_url: str | None = None,
        *,
        batched: bool = False,
        behaviour: Behaviour | None = None,
    ) -> Probe:
        behaviour = behaviour or Behaviour()
        handler = batch_handler_for(behaviour) if batched else handler_for(behaviour)
        settings = ServiceSettings(
            service_name="probe",
            database_url=database_url or await databases.empty(backend),
            nats_url=nats_url,
            events_namespace=namespace,
            jwt_public_key_file=keys.public_path,
            events_backoff=[0.1, 0.2],
            events_max_deliver=3,
            events_ack_wait=1.5,
        )
        service = Service(
            settings,
            ProbeModel.metadata,
            produces=False,
            consumes={"directory": {ServiceUpserted.event_type: handler}},
        )
        if database_url is None:
            async with service.engine.begin() as connection:
                await connection.run_sync(ProbeModel.metadata.create_all)
        app = create_app(service, title="probe", description="probe", routers=[])
        await service.start()
        probe = Probe(
            service,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe"),
            behaviour,
        )
        started.append(probe)
        return probe

    yield _start
    for probe in started:
        await probe.client.aclose()
        await probe.service.stop()


async def _list_service(directory: Running, name: str = "Free clinic") -> str:
    """Commits one listing change (and so one outbox event) in the directory."""
    service_id = str(uuid.uuid4())
    document = {"id": service_id, "organization_id": ORG, "name": name, "status": "active"}
    batch = ingest_documents("service", [document])
    async with directory.service.uow() as session:
        await listings.save(
            session, directory.service.outbox, batch, principal=ADMIN, time_zone="Asia/Hong_Kong"
        )
    return service_id


async def _stream_count(nats_url: str, namespace: str) -> int:
    client = await nats.connect(nats_url)
    try:
        info = await client.jetstream().stream_info(stream_name(namespace, "directory"))
        return int(info.state.messages)
    finally:
        await client.close()


async def _pending(directory: Running) -> int:
    table = directory.service.tables.outbox
    async with directory.service.factory() as session:
        rows = await execute(
            session, select(table.c.event_id).where(table.c.published_at.is_(None))
        )
        return len(rows.all())


# One listing saved is two events: service.upserted v1 and, beside it, v2.
LISTING_EVENTS = 2


async def test_event_committed_before_a_crash_is_published_once_when_the_relay_restarts(
    start_service: StartService,
    start_probe: StartProbe,
    backend: str,
    nats_url: str,
    namespace: str,
) -> None:
    directory = await start_service("directory", backend)
    # The process stops after the commit and before any publish: no relay runs.
    await directory.service.stop()
    service_id = await _list_service(directory)
    assert await _pending(directory) == LISTING_EVENTS

    restarted = await start_service(
        "directory",
        backend,
        database_url=directory.service.engine.url.render_as_string(hide_password=False),
    )
    probe = await start_probe(backend)
    assert await eventually(lambda: _ready_zero(restarted))
    assert await _stream_count(nats_url, namespace) == LISTING_EVENTS
    assert await eventually(probe.effect_count) == 1
    async with probe.service.factory() as session:
        assert [e.service_id for e in await effects(session)] == [service_id]


async def _ready_zero(directory: Running) -> bool:
    return await _pending(directory) == 0


async def test_a_publish_repeated_after_a_crash_is_dropped_by_the_stream(
    start_service: StartService,
    start_probe: StartProbe,
    backend: str,
    nats_url: str,
    namespace: str,
) -> None:
    directory = await start_service("directory", backend)
    probe = await start_probe(backend)
    await _list_service(directory)
    assert await eventually(lambda: _ready_zero(directory))
    # A crash after the publish but before the row was marked: the row is pending again.
    table = directory.service.tables.outbox
    async with directory.service.uow() as session:
        await execute(session, update(table).values(published_at=None))
    assert await eventually(lambda: _ready_zero(directory))
    assert await _stream_count(nats_url, namespace) == LISTING_EVENTS
    assert await eventually(probe.effect_count) == 1


async def test_the_same_event_delivered_twice_has_one_effect(
    start_probe: StartProbe, backend: str, nats_url: str, namespace: str
) -> None:
    probe = await start_probe(backend)
    await probe.service.streams_ready.wait()
    envelope = Envelope.wrap(
        ServiceUpserted(
            service_id=str(uuid.uuid4()),
            organization_id=ORG,
            name="Clinic",
            status="active",
            accepting_referrals=True,
            version=1,
        ),
        source="/harbour/directory",
    )
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        subject = nats_subject(envelope.type, namespace)
        for attempt in range(2):
            # Distinct Nats-Msg-Ids: the stream's de-duplication cannot help here.
            headers = envelope.headers() | {"Nats-Msg-Id": f"{envelope.id}-{attempt}"}
            await js.publish(subject, envelope.body(), headers=headers)
    finally:
        await client.close()
    assert await eventually(lambda: _handled(probe, "duplicate", 1))
    assert await probe.effect_count() == 1
    assert probe.behaviour.calls == 1


async def _handled(probe: Probe, outcome: str, expected: int) -> bool:
    counter = probe.service.metrics.events_handled.labels("probe", outcome)
    return counter._value.get() >= expected


async def test_a_message_redelivered_after_a_lost_ack_has_one_effect(
    start_service: StartService, start_probe: StartProbe, nats_url: str, namespace: str
) -> None:
    directory = await start_service("directory")
    probe = await start_probe("sqlite")
    client = await nats.connect(nats_url)
    js = client.jetstream()
    stream = stream_name(namespace, "directory")
    await eventually(lambda: _consumer_exists(js, stream, "probe"))
    await probe.service.stop()  # the consumer exists; nobody is fetching
    await _list_service(directory)
    try:
        subscription = await js.pull_subscribe_bind(
            durable="probe", stream=stream_name(namespace, "directory")
        )
        [message] = await subscription.fetch(1, timeout=10)
        envelope = Envelope.from_message(message.headers, message.data)
        consumer = probe.service.consumers[0]
        async with probe.service.uow() as session:
            assert await apply_once(
                session, probe.service.tables, "probe", envelope, consumer.handlers[envelope.type]
            )
        # The worker dies here: committed, never acknowledged.
    finally:
        await client.close()

    restarted = await start_probe(
        "sqlite", database_url=probe.service.engine.url.render_as_string(hide_password=False)
    )
    assert await eventually(lambda: _handled(restarted, "duplicate", 1), within=20)
    assert await restarted.effect_count() == 1
    assert restarted.behaviour.calls == 0


def _upserted() -> Envelope:
    """A new listing event, as the directory publishes it."""
    return Envelope.wrap(
        ServiceUpserted(
            service_id=str(uuid.uuid4()),
            organization_id=ORG,
            name="Clinic",
            status="active",
            accepting_referrals=True,
            version=1,
        ),
        source="/harbour/directory",
    )


async def _queued_while_stopped(
    probe: Probe, nats_url: str, namespace: str, envelopes: list[Envelope]
) -> str:
    """Stops the probe once its durable exists, then publishes: the events wait together.

    The first envelope goes twice (distinct `Nats-Msg-Id`s), as a republish after a crash does.
    Returns the probe's database URL for a restart.
    """
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        stream = stream_name(namespace, "directory")
        await eventually(lambda: _consumer_exists(js, stream, "probe"))
        await probe.service.stop()
        subject = nats_subject(ServiceUpserted.event_type, namespace)
        for envelope in [*envelopes, envelopes[0]]:
            headers = envelope.headers() | {"Nats-Msg-Id": str(uuid.uuid4())}
            await js.publish(subject, envelope.body(), headers=headers)
    finally:
        await client.close()
    return probe.service.engine.url.render_as_string(hide_password=False)


async def test_a_batch_that_fails_is_applied_one_by_one_with_one_effect_each(
    start_probe: StartProbe, backend: str, nats_url: str, namespace: str
) -> None:
    probe = await start_probe(backend, batched=True)
    envelopes = [_upserted() for _ in range(5)]
    url = await _queued_while_stopped(probe, nats_url, namespace, envelopes)
    poison = ServiceUpserted.model_validate(envelopes[2].data).service_id
    behaviour = Behaviour(refused={poison})

    restarted = await start_probe(backend, database_url=url, batched=True, behaviour=behaviour)
    assert await eventually(lambda: _handled(restarted, "duplicate", 1), within=20)
    assert await _handled(restarted, "applied", 4)
    assert await _handled(restarted, "terminated", 1)
    assert max(behaviour.batches) > 1  # they came as a batch, which the poison event failed
    async with restarted.service.factory() as session:
        applied = sorted(e.event_id for e in await effects(session))
    assert applied == sorted(e.id for i, e in enumerate(envelopes) if i != 2)


async def test_a_batch_redelivered_after_a_lost_ack_has_one_effect_per_event(
    start_probe: StartProbe, backend: str, nats_url: str, namespace: str
) -> None:
    probe = await start_probe(backend, batched=True)
    envelopes = [_upserted() for _ in range(4)]
    url = await _queued_while_stopped(probe, nats_url, namespace, envelopes)
    client = await nats.connect(nats_url)
    try:
        subscription = await client.jetstream().pull_subscribe_bind(
            durable="probe", stream=stream_name(namespace, "directory")
        )
        messages = await subscription.fetch(5, timeout=10)
        while len(messages) < 5:
            messages += await subscription.fetch(5 - len(messages), timeout=10)
        fetched = [Envelope.from_message(m.headers, m.data) for m in messages]
        consumer = probe.service.consumers[0]
        handler = consumer.handlers[ServiceUpserted.event_type]
        assert isinstance(handler, BatchHandler)
        async with probe.service.uow() as session:
            ran = await apply_many(session, probe.service.tables, "probe", fetched, handler)
        assert ran == [True, True, True, True, False]  # the repeat of the first ran once
        # The worker dies here: committed, never acknowledged.
    finally:
        await client.close()
    assert probe.behaviour.batches == [4]

    restarted = await start_probe(backend, database_url=url, batched=True)
    assert await eventually(lambda: _handled(restarted, "duplicate", 5), within=20)
    assert await restarted.effect_count() == 4
    assert restarted.behaviour.calls == 0


async def _consumer_exists(js: JetStreamContext, stream: str, durable: str) -> bool:
    try:
        await js.consumer_info(stream, durable)
    except NatsError:
        return False
    return True


async def test_a_message_that_always_fails_is_dead_lettered_and_can_be_redriven(
    start_service: StartService, start_probe: StartProbe, backend: str, mint: Mint
) -> None:
    directory = await start_service("directory", backend)
    probe = await start_probe(backend)
    probe.behaviour.failing = True
    await _list_service(directory)
    admin = bearer(mint("network_admin"))

    async def dead_letters() -> list[dict[str, object]]:
        response = await probe.client.get("/admin/dead-letters", headers=admin)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    [dead] = await eventually(dead_letters, within=20)
    assert dead["reason"] == "max-deliveries"
    assert dead["deliveries"] == 3
    assert dead["event_type"] == ServiceUpserted.event_type
    assert "RuntimeError" in str(dead["last_error"])
    assert probe.behaviour.calls == 3
    assert await probe.effect_count() == 0  # every failed attempt rolled back

    refused = await probe.client.post(
        f"/admin/dead-letters/{dead['id']}/redrive", headers=bearer(mint("org_admin", org=ORG))
    )
    assert refused.status_code == 403
    probe.behaviour.failing = False
    redriven = await probe.client.post(f"/admin/dead-letters/{dead['id']}/redrive", headers=admin)
    assert redriven.status_code == 200, redriven.text
    assert redriven.json()["redriven_at"] is not None
    assert await probe.effect_count() == 1
    again = await probe.client.post(f"/admin/dead-letters/{dead['id']}/redrive", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert await dead_letters() == []


async def test_a_poison_message_is_terminated_and_dead_lettered(
    start_service: StartService, start_probe: StartProbe, mint: Mint
) -> None:
    directory = await start_service("directory")
    probe = await start_probe("sqlite")
    probe.behaviour.poison = True
    await _list_service(directory)

    async def dead_letters() -> list[dict[str, object]]:
        response = await probe.client.get(
            "/admin/dead-letters", headers=bearer(mint("network_admin"))
        )
        return list(response.json()["items"])

    [dead] = await eventually(dead_letters, within=20)
    assert dead["reason"] == "terminated"
    assert dead["deliveries"] == 1
    assert "unknown organisation" in str(dead["last_error"])
    assert probe.behaviour.calls == 1


class Unregistered(EventContract):
    """A contract no service registered."""

    event_type: ClassVar[str] = "harbour.directory.thing.happened.v1"

    thing_id: str


async def test_an_event_that_does_not_fit_its_contract_is_never_recorded(
    start_service: StartService, backend: str
) -> None:
    directory = await start_service("directory", backend)
    fields: dict[str, Any] = {
        "service_id": str(uuid.uuid4()),
        "organization_id": ORG,
        "name": "Clinic",
        "status": "closed for good",
        "accepting_referrals": True,
        "version": 1,
    }
    closed_for_good = ServiceUpserted.model_construct(**fields)  # built without validation
    for event in (closed_for_good, Unregistered(thing_id="t1")):
        with pytest.raises(ContractViolation):
            async with directory.service.uow() as session:
                await directory.service.outbox.add(session, event)
    assert await _pending(directory) == 0


async def test_a_message_that_does_not_fit_its_contract_is_dead_lettered_unhandled(
    start_probe: StartProbe, mint: Mint, nats_url: str, namespace: str
) -> None:
    probe = await start_probe("sqlite")
    await probe.service.streams_ready.wait()
    envelope = Envelope(
        id=str(uuid.uuid4()),
        type=ServiceUpserted.event_type,
        source="/harbour/directory",
        time=datetime.now(UTC),
        data={
            "service_id": "s1",
            "organization_id": ORG,
            "name": "Clinic",
            "status": "closed for good",
            "accepting_referrals": True,
            "version": 1,
        },
    )
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().publish(
            nats_subject(envelope.type, namespace), envelope.body(), headers=envelope.headers()
        )
    finally:
        await client.close()

    async def dead_letters() -> list[dict[str, object]]:
        response = await probe.client.get(
            "/admin/dead-letters", headers=bearer(mint("network_admin"))
        )
        return list(response.json()["items"])

    [dead] = await eventually(dead_letters, within=20)
    assert (dead["reason"], dead["deliveries"]) == ("terminated", 1)
    assert "status (literal_error)" in str(dead["last_error"])
    assert "closed for good" not in str(dead["last_error"])  # the reason names fields, not values
    assert probe.behaviour.calls == 0
    assert await probe.effect_count() == 0


def test_a_handler_needs_a_registered_contract(keys: Keys) -> None:
    settings = ServiceSettings(
        service_name="probe",
        database_url="sqlite+aiosqlite://",
        jwt_public_key_file=keys.public_path,
    )
    with pytest.raises(ValueError, match=Unregistered.event_type):
        Service(
            settings,
            ProbeModel.metadata,
            consumes={"directory": {Unregistered.event_type: handler_for(Behaviour())}},
        )
