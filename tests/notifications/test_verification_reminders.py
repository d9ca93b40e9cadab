"""A stale listing's reminder reaches its organisation's admins once, in each reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import nats
from sqlalchemy import select

from harbour_directory.verification import clocks
from harbour_kit.contracts import InboxChanged, InboxChangedV2, ListingVerificationDue
from harbour_kit.db import execute
from harbour_kit.events.envelope import Envelope, nats_subject
from tests.conftest import Mint, Running, StartService, bearer, eventually
from tests.sample import CLAIM_ADVICE, DETENTION_VISITS, LEGAL_CLINIC
from tests.sample import seed_small as seed

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


async def items(notifications: Running, token: str) -> list[dict[str, Any]]:
    response = await notifications.client.get("/inbox", headers=bearer(token))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


async def of_kind(notifications: Running, token: str, kind: str, size: int) -> list[dict[str, Any]]:
    """The inbox items of `kind` once there are `size` (failing if there are ever more)."""

    async def check() -> list[dict[str, Any]] | None:
        found = [i for i in await items(notifications, token) if i["kind"] == kind]
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


async def duplicates(notifications: Running) -> float:
    counter = notifications.service.metrics.events_handled.labels("notifications", "duplicate")
    value: float = counter._value.get()
    return value


async def test_a_reminder_reaches_the_org_admins_inbox_once_even_when_delivered_twice(
    start_service: StartService, backend: str, mint: Mint, nats_url: str, namespace: str
) -> None:
    directory = await start_service("directory", backend, verification_interval=3600)
    notifications = await start_service("notifications", backend)
    assert await seed(directory.service) == 6
    admin = mint("org_admin", org=LEGAL_CLINIC)
    chinese_admin = mint("org_admin", org=LEGAL_CLINIC, locale="zh-Hant")
    await of_kind(notifications, admin, "listing.published", 2)

    # One listing was last checked 200 days ago; the sample's others never were.
    now = datetime.now(UTC)
    checked = (now - timedelta(days=200)).astimezone(ZoneInfo("Asia/Hong_Kong")).date()
    document = (await directory.client.get(f"/services/{CLAIM_ADVICE}")).json()
    document["assured_date"] = checked.isoformat()
    saved = await directory.client.put(
        f"/services/{CLAIM_ADVICE}", json=document, headers=bearer(admin)
    )
    assert saved.status_code == 200, saved.text
    detention = (await directory.client.get(f"/services/{DETENTION_VISITS}")).json()["name"]

    assert await clocks.sweep(directory.service, now=now) == 6
    reminders = await of_kind(notifications, admin, "listing.verification", 2)
    titles = {item["link"]: item["title"] for item in reminders}
    day = f"{checked.day} {MONTHS[checked.month - 1]} {checked.year}"
    assert titles == {
        f"/listings/{CLAIM_ADVICE}": (
            f"Please confirm “{document['name']}” is still right (last checked {day})"
        ),
        f"/listings/{DETENTION_VISITS}": (
            f"Please confirm “{detention}” is still right (never checked)"
        ),
    }
    chinese = {
        item["link"]: item["title"]
        for item in await of_kind(notifications, chinese_admin, "listing.verification", 2)
    }
    assert chinese[f"/listings/{CLAIM_ADVICE}"] == (
        f"請確認「{document['name']}」的資料仍然正確"
        f"（上次核對：{checked.year}年{checked.month}月{checked.day}日）"  # noqa: RUF001
    )
    # Partner staff are not asked: listings are their admins' to keep.
    staff = await items(notifications, mint("partner_staff", org=LEGAL_CLINIC))
    assert not [i for i in staff if i["kind"] == "listing.verification"]

    # The same event again, as a redelivery would bring it: nothing new in the inbox.
    [row] = [
        r
        for r in await outbox_rows(directory, ListingVerificationDue.event_type)
        if r.data["service_id"] == CLAIM_ADVICE
    ]
    envelope = Envelope(
        id=row.event_id,
        type=row.event_type,
        source=row.source,
        time=row.occurred_at,
        data=dict(row.data),
        subject=row.subject,
        traceparent=row.traceparent,
    )
    seen = await duplicates(notifications)
    client = await nats.connect(nats_url)
    try:
        headers = envelope.headers() | {"Nats-Msg-Id": f"{envelope.id}-again"}
        await client.jetstream().publish(
            nats_subject(envelope.type, namespace), envelope.body(), headers=headers
        )
    finally:
        await client.close()

    async def handled_again() -> bool:
        return await duplicates(notifications) > seen

    assert await eventually(handled_again)
    assert len(await of_kind(notifications, admin, "listing.verification", 2)) == 2
    assert await clocks.sweep(directory.service, now=now) == 0

    # Live listeners hear of it on inbox.changed.v2; v1 cannot carry the new kind.
    changes = [r.data["kind"] for r in await outbox_rows(notifications, InboxChangedV2.event_type)]
    assert changes.count("listing.verification") == 6
    assert "listing.verification" not in {
        r.data["kind"] for r in await outbox_rows(notifications, InboxChanged.event_type)
    }
