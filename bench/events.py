"""Event path latency: commit in the directory → applied in the referrals read model.

Prints p50/p95/p99 and throughput for the outbox → JetStream → durable consumer path at a
given offered rate, next to a baseline measured in the same run: raw JetStream publish →
pull-fetch on the same server. Latency is read from the database afterwards (outbox
`occurred_at` → inbox `processed_at`), so the measuring adds nothing to the path.

    uv run python bench/events.py --rate 50 --rate 200 --count 600
    HARBOUR_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        uv run python bench/events.py          # PostgreSQL too
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from harbour_directory.hsds.ingest import ingest_documents
from harbour_directory.listings import service as listings
from harbour_directory.main import MIGRATIONS as DIRECTORY_MIGRATIONS
from harbour_directory.main import build_service as build_directory
from harbour_directory.settings import DirectorySettings
from harbour_kit.auth import Principal, Role
from harbour_kit.db import execute
from harbour_kit.migrations import upgrade
from harbour_referrals.main import MIGRATIONS as REFERRALS_MIGRATIONS
from harbour_referrals.main import build_service as build_referrals
from harbour_referrals.settings import ReferralsSettings
from tests.harness import LocalNats, create_database, drop_database

ORG = "0e8f1a52-0000-4000-8000-00000000b0c5"
ADMIN = Principal(sub="bench", org_id=ORG, roles=frozenset({Role.ORG_ADMIN}))


async def raw_jetstream(url: str, count: int, rate: float) -> list[float]:
    """Baseline: publish → fetch on the bare server, at the same offered rate."""
    client = await nats.connect(url)
    js = client.jetstream()
    name = "BENCH_" + uuid.uuid4().hex[:8].upper()
    await js.add_stream(name=name, subjects=[f"{name.lower()}.>"])
    subscription = await js.pull_subscribe(f"{name.lower()}.x", durable="bench", stream=name)
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < count:
            try:
                messages = await subscription.fetch(50, timeout=1)
            except nats.errors.TimeoutError:
                continue
            now = time.perf_counter()
            for message in messages:
                latencies.append(now - float(message.data))
                await message.ack()

    consumer = asyncio.create_task(consume())
    started = time.perf_counter()
    for i in range(count):
        await js.publish(f"{name.lower()}.x", repr(time.perf_counter()).encode())
        delay = started + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.wait_for(consumer, 60)
    await js.delete_stream(name)
    await client.close()
    return latencies


async def harbour_path(
    url: str, count: int, rate: float, directory_db: str, referrals_db: str
) -> tuple[list[float], float]:
    """Directory commits listings at `rate`; returns commit→applied latencies and events/s."""
    namespace = "b" + uuid.uuid4().hex[:8]
    common: dict[str, Any] = {
        "nats_url": url,
        "events_namespace": namespace,
        "outbox_poll_interval": 0.5,
        "jwt_public_key_file": Path(tempfile.gettempdir()) / "unused.pem",
    }
    directory = build_directory(DirectorySettings(database_url=directory_db, **common))
    referrals = build_referrals(ReferralsSettings(database_url=referrals_db, **common))
    await directory.start()
    await referrals.start()
    started = time.perf_counter()
    for i in range(count):
        document = {"id": str(uuid.uuid4()), "organization_id": ORG, "name": f"Service {i}"}
        batch = ingest_documents("service", [{**document, "status": "active"}])
        async with directory.uow() as session:
            await listings.save(
                session, directory.outbox, batch, principal=ADMIN, time_zone="Asia/Hong_Kong"
            )
        delay = started + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    inbox = referrals.tables.inbox
    deadline = time.perf_counter() + 120
    rows: list[Any] = []
    while time.perf_counter() < deadline:
        async with referrals.factory() as session:
            result = await execute(session, select(inbox.c.event_id, inbox.c.processed_at))
            rows = list(result.all())
        if len(rows) >= count:
            break
        await asyncio.sleep(0.2)
    outbox = directory.tables.outbox
    async with directory.factory() as session:
        published = await execute(session, select(outbox.c.event_id, outbox.c.occurred_at))
        pairs: list[Any] = list(published.all())
    occurred: dict[str, datetime] = {row[0]: row[1] for row in pairs}
    await directory.stop()
    await referrals.stop()
    applied: dict[str, datetime] = {row[0]: row[1] for row in rows}
    latencies = [(applied[e] - occurred[e]).total_seconds() for e in applied if e in occurred]
    span = (max(applied.values()) - min(occurred.values())).total_seconds()
    return latencies, len(latencies) / span


def _row(label: str, latencies: list[float], throughput: float | None = None) -> str:
    p50, p95, p99 = support.percentiles(latencies)
    rate = f"{throughput:8.0f}/s" if throughput else "         "
    return (
        f"  {label:<28} n={len(latencies):<5} p50={p50 * 1000:7.1f} ms  "
        f"p95={p95 * 1000:7.1f} ms  p99={p99 * 1000:7.1f} ms  {rate}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--rate", type=float, action="append")
    args = parser.parse_args()
    rates = args.rate or [50.0, 200.0]
    server = LocalNats()
    server.start()
    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-"))
    pg_admin = os.environ.get("HARBOUR_BENCH_DATABASE_URL")
    try:
        for rate in rates:
            print(f"offered rate {rate:.0f} events/s, {args.count} events")
            baseline = await raw_jetstream(server.url, args.count, rate)
            print(_row("raw JetStream (baseline)", baseline))
            base_p99 = support.percentiles(baseline)[2]
            backends = ["sqlite"] + (["postgresql"] if pg_admin else [])
            for backend in backends:
                if backend == "sqlite":
                    urls = [f"sqlite+aiosqlite:///{scratch}/{uuid.uuid4().hex}.db" for _ in "ab"]
                else:
                    assert pg_admin is not None
                    urls = [await create_database(pg_admin), await create_database(pg_admin)]
                for migrations, url in zip(
                    (DIRECTORY_MIGRATIONS, REFERRALS_MIGRATIONS), urls, strict=True
                ):
                    await asyncio.to_thread(upgrade, migrations, url)
                latencies, throughput = await harbour_path(server.url, args.count, rate, *urls)
                print(_row(f"outbox→consumer ({backend})", latencies, throughput))
                print(
                    f"  {'':<28} p99 ratio to baseline: "
                    f"{support.percentiles(latencies)[2] / base_p99:.1f}x"
                )
                if backend == "postgresql" and pg_admin:
                    for url in urls:
                        await drop_database(pg_admin, url)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
