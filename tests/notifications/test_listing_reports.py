"""A report on a listing reaches its organisation's admins' inbox once, in their language."""

from __future__ import annotations

from typing import Any

import nats
from sqlalchemy import select

from harbour_kit.contracts import InboxChangedV2, InboxChangedV3, ListingReportReceived
from harbour_kit.db import execute
from harbour_kit.events.envelope import Envelope, nats_subject
from tests.conftest import Mint, Running, StartService, bearer, eventually
from tests.sample import CLAIM_ADVICE, LEGAL_CLINIC
from tests.sample import seed_small as seed


async def reports(notifications: Running, token: str, size: int) -> list[dict[str, Any]]:
    """The inbox's report items once there are `size` (failing if there are ever more)."""

    async def check() -> list[dict[str, Any]] | None:
        response = await notifications.client.get("/inbox", headers=bearer(token))
        assert response.status_code == 200, response.text
        found = [i for i in response.json()["items"] if i["kind"] == "listing.report"]
        assert len(found) <= size, found
        return found if len(found) == size else None

    result: list[dict[str, Any]] = await eventually(check)
    return result


async def outbox_rows(running: Running, event_type: str) -> list[Any]:
    table = running.service.tables.outbox
    async with running.service.factory() as session:
        rows = await execute(
            session,
            select(table).where(table.c.event_type == event_type).order_by(table.c.position),
        )
        return list(rows.all())


async def test_a_report_reaches_the_org_admins_inbox_once_even_when_delivered_twice(
    start_service: StartService, backend: str, mint: Mint, nats_url: str, namespace: str
) -> None:
    directory = await start_service("directory", backend)
    notifications = await start_service("notifications", backend)
    await seed(directory.service)
    admin = mint("org_admin", org=LEGAL_CLINIC)
    sent = await directory.client.post(
        f"/services/{CLAIM_ADVICE}/reports",
        json={"kind": "phone-wrong", "text": "The number on the page rings a shop"},
        headers={"x-forwarded-for": "203.0.113.50"},
    )
    assert sent.status_code == 202, sent.text

    [item] = await reports(notifications, admin, 1)
    assert item["title"] == (
        "Someone reported that “Non-refoulement claim advice” has a wrong phone number:"
        " please check it"
    )
    assert item["link"] == f"/listings/{CLAIM_ADVICE}"
    assert "shop" not in str(item)
    [chinese] = await reports(notifications, mint("org_admin", org=LEGAL_CLINIC, locale="zh"), 1)
    assert chinese["title"] == "有人報告「Non-refoulement claim advice」電話號碼有誤，請核對"  # noqa: RUF001
    staff = await notifications.client.get(
        "/inbox", headers=bearer(mint("partner_staff", org=LEGAL_CLINIC))
    )
    assert not [i for i in staff.json()["items"] if i["kind"] == "listing.report"]

    # The same event again, as a redelivery would bring it: nothing new in the inbox.
    [row] = await outbox_rows(directory, ListingReportReceived.event_type)
    envelope = Envelope(
        id=row.event_id,
        type=row.event_type,
        source=row.source,
        time=row.occurred_at,
        data=dict(row.data),
        subject=row.subject,
        traceparent=row.traceparent,
    )
    counter = notifications.service.metrics.events_handled.labels("notifications", "duplicate")
    seen = counter._value.get()
    client = await nats.connect(nats_url)
    try:
        headers = envelope.headers() | {"Nats-Msg-Id": f"{envelope.id}-again"}
        await client.jetstream().publish(
            nats_subject(envelope.type, namespace), envelope.body(), headers=headers
        )
    finally:
        await client.close()

    async def handled_again() -> bool:
        return bool(counter._value.get() > seen)

    assert await eventually(handled_again)
    assert len(await reports(notifications, admin, 1)) == 1

    # Live listeners hear of it on inbox.changed.v3; v2 cannot carry the new kind.
    v3 = [r.data["kind"] for r in await outbox_rows(notifications, InboxChangedV3.event_type)]
    assert v3.count("listing.report") == 1
    v2 = {r.data["kind"] for r in await outbox_rows(notifications, InboxChangedV2.event_type)}
    assert "listing.report" not in v2
