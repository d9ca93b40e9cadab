"""Referral event → inbox row + e-mail accepted by SMTP, through `harbour-notifications serve`.

Makes a database (PostgreSQL `harbour_bench_notif_*`, or a SQLite file), migrates it, adds one
recipient (partner staff of `org-partner` with an e-mail address), starts an in-process aiosmtpd
sink that stamps the accept time of every message and the referral reference in it, and starts
`harbour-notifications serve` as a subprocess on its own events namespace. Then, per offered
rate, it publishes `harbour.referrals.referral.transitioned.v1` `send` events to JetStream on an
absolute schedule (CloudEvents envelope and stream as the referrals service's relay makes them)
and measures, per event, publish → e-mail accepted by the sink and publish → inbox row visible
(the database polled every 20 ms for `inbox_item.reference`). End-to-end is the later of the two.
After each rate it reads the rows back to split the time into stages (consumer, commit, delivery
queue, send). `--replicas N` runs N server processes on one PostgreSQL database (they share the
durable consumer and the delivery queue); `--profile` samples the servers' CPU by code and by
part of the service. Reports against /work/shared/PERFORMANCE.md (p99 ≤ 500 ms at 200
events/s); never fails on the figures, and drops what it made. Ends with a `RESULT {json}` line
(figures at 200/s, per-rate figures, and what ran where).

    .venv/bin/python bench/notifications.py --quick      # rates 50 and 200 for 3 s each
    .venv/bin/python bench/notifications.py --rates 50,200 --seconds 10 --backend postgresql
    .venv/bin/python bench/notifications.py --backend sqlite
    .venv/bin/python bench/notifications.py --rates 200 --seconds 5 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import aiosqlite
import asyncpg
import nats
from aiosmtpd.controller import Controller
from nats.aio.client import Client
from nats.js import JetStreamContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from harbour_kit.contracts import ReferralTransitioned
from harbour_kit.events.envelope import Envelope, nats_subject
from harbour_kit.events.streams import ensure_event_stream, stream_name
from harbour_kit.keys import ensure_keypair
from harbour_kit.migrations import upgrade
from harbour_notifications.main import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
PARTNER_ORG = "org-partner"
REFERRER_ORG = "org-referrer"
RECIPIENT = ("bench-partner-staff", PARTNER_ORG, ["partner_staff"], "staff@partner.example")
CONSUMER = "notifications"  # the durable consumer's name (the service's name)
SOURCE = "/harbour/referrals"
REFERENCE = re.compile(r"R-[0-9A-Z]{6}")
TARGET_RATE, TARGET_P99 = 200.0, 0.500  # /work/shared/PERFORMANCE.md
POLL = 0.020  # seconds between inbox polls
STRAGGLERS = 30.0  # seconds to wait after the last publish
# Polls read rows made since max(oldest unseen publish, newest row seen - MARGIN) - SKEW: rows
# are stamped before their commit, so MARGIN bounds how long a handler may hold one uncommitted
# and still be seen by the poll (the final read counts any it missed), and keeps each poll small
# when the server falls behind.
SKEW, MARGIN = timedelta(seconds=0.5), timedelta(seconds=2)
WARMUP = 5  # events before the first rate, not counted
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STAGES = (  # from the rows the server wrote (wall clock) and the bench's own stamps
    ("consumer", "publish → handler made the inbox rows (JetStream, consumer)"),
    ("visible", "handler → inbox rows visible (handler, commit, 20 ms poll)"),
    ("queue", "handler → delivery worker took the e-mail (commit, poll, queue)"),
    ("send", "worker took it → SMTP accepted (render, connect, dialogue)"),
)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _utc(value: datetime | str) -> datetime:
    """A database timestamp as an aware UTC datetime (SQLite gives naive UTC text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class References:
    """Unique `R-XXXXXX` references, from a random start so runs do not collide."""

    def __init__(self) -> None:
        self.next = int.from_bytes(os.urandom(4)) % (36**6 - 10**6)

    def __call__(self) -> str:
        number, digits = self.next, ""
        self.next += 1
        for _ in range(6):
            number, digit = divmod(number, 36)
            digits = DIGITS[digit] + digits
        return "R-" + digits


# --- the SMTP sink ---------------------------------------------------------------------


class Sink:
    """An aiosmtpd handler (runs in the controller's thread): accept time by reference."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[float]] = {}
        self.unmatched = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        content: bytes = envelope.content
        message = message_from_bytes(content, policy=policy.default)
        found = REFERENCE.search(str(message.get("Subject", "")))
        if found is None and isinstance(message, EmailMessage):
            body = message.get_body(("plain",))
            text = body.get_content() if isinstance(body, EmailMessage) else ""
            found = REFERENCE.search(text)
        with self.lock:
            if found is None:
                self.unmatched += 1
            else:
                self.accepted.setdefault(found.group(), []).append(now)
        return "250 OK"

    def first(self, reference: str) -> float | None:
        with self.lock:
            times = self.accepted.get(reference)
            return times[0] if times else None

    def count(self, reference: str) -> int:
        with self.lock:
            return len(self.accepted.get(reference, ()))


# --- the database, read from outside the server ----------------------------------------


@dataclass(frozen=True)
class Stages:
    """Per reference, what the server's rows say (wall clock, seconds since the epoch)."""

    handled: dict[str, float]  # inbox_item.created_at: the handler made the row
    picked: dict[str, float]  # delivery.updated_at: the delivery worker took the e-mail
    statuses: Counter[str]  # e-mail deliveries by status
    attempts: int  # e-mail delivery attempts in all
    inbox_rows: int
    applied_events: int  # rows in the consumer's event inbox (events applied once)


class Database(Protocol):
    """What the benchmark reads from the notifications database."""

    async def references_since(self, since: datetime) -> list[tuple[str, datetime]]: ...
    async def stages(self) -> Stages: ...
    async def close(self) -> None: ...


INBOX_SINCE = (
    "SELECT reference, max(created_at) FROM inbox_item WHERE created_at >= {} GROUP BY reference"
)
INBOX_FIRST = "SELECT reference, min(created_at) FROM inbox_item GROUP BY reference"
EMAILS = (
    "SELECT n.context, d.updated_at, d.status, d.attempts FROM delivery d"
    " JOIN notification n ON n.id = d.notification_id WHERE d.channel = 'email'"
)
COUNTS = "SELECT (SELECT count(*) FROM inbox_item), (SELECT count(*) FROM event_inbox)"


def _stages(
    inbox: list[tuple[Any, Any]], emails: list[tuple[Any, Any, Any, Any]], counts: tuple[Any, Any]
) -> Stages:
    picked: dict[str, float] = {}
    statuses: Counter[str] = Counter()
    attempts = 0
    for context, updated, status, tries in emails:
        data = json.loads(context) if isinstance(context, str) else context
        reference = str((data or {}).get("reference", ""))
        picked[reference] = _utc(updated).timestamp()
        statuses[str(status)] += 1
        attempts += int(tries)
    return Stages(
        handled={str(ref): _utc(at).timestamp() for ref, at in inbox},
        picked=picked,
        statuses=statuses,
        attempts=attempts,
        inbox_rows=int(counts[0]),
        applied_events=int(counts[1]),
    )


class Postgres:
    """One asyncpg connection to the benchmark database."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, dsn: str) -> Postgres:
        return cls(await asyncpg.connect(dsn))

    async def references_since(self, since: datetime) -> list[tuple[str, datetime]]:
        rows = await self.connection.fetch(INBOX_SINCE.format("$1"), since)
        return [(row[0], _utc(row[1])) for row in rows]

    async def stages(self) -> Stages:
        inbox = [tuple(r) for r in await self.connection.fetch(INBOX_FIRST)]
        emails = [tuple(r) for r in await self.connection.fetch(EMAILS)]
        counts = tuple(await self.connection.fetchrow(COUNTS) or (0, 0))
        return _stages(inbox, emails, (counts[0], counts[1]))

    async def close(self) -> None:
        await self.connection.close()


class Sqlite:
    """One aiosqlite connection to the server's SQLite file (WAL: readers do not block it)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, path: Path) -> Sqlite:
        connection = await aiosqlite.connect(path, timeout=30)
        await connection.execute("PRAGMA busy_timeout=30000")
        return cls(connection)

    async def _all(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async with self.connection.execute(sql, args) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    async def references_since(self, since: datetime) -> list[tuple[str, datetime]]:
        # SQLAlchemy keeps SQLite datetimes as naive UTC text, which sorts as time does.
        text = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        rows = await self._all(INBOX_SINCE.format("?"), text)
        return [(str(row[0]), _utc(row[1])) for row in rows]

    async def stages(self) -> Stages:
        inbox = await self._all(INBOX_FIRST)
        emails = await self._all(EMAILS)
        counts = (await self._all(COUNTS))[0]
        return _stages(
            [(r[0], r[1]) for r in inbox],
            [(r[0], r[1], r[2], r[3]) for r in emails],
            (counts[0], counts[1]),
        )

    async def close(self) -> None:
        await self.connection.close()


class InboxWatch:
    """Polls for inbox rows of published references; first-seen wall time per reference."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.order: list[str] = []
        self.published: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self.cursor = 0  # order[:cursor] are all seen
        self.newest = datetime.fromtimestamp(0, UTC)  # the latest created_at seen
        self.polls = 0
        self.errors: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def publishing(self, reference: str, at: float) -> None:
        self.order.append(reference)
        self.published[reference] = at

    def _since(self) -> datetime:
        while self.cursor < len(self.order) and self.order[self.cursor] in self.seen:
            self.cursor += 1
        oldest = self.published[self.order[self.cursor]] if self.cursor < len(self.order) else None
        since = datetime.fromtimestamp(oldest or time.time(), UTC)
        return max(since, self.newest - MARGIN) - SKEW

    async def _run(self) -> None:
        due = time.perf_counter()
        while True:
            due += POLL
            since = self._since()
            try:
                references = await self.database.references_since(since)
            except Exception as error:  # a busy SQLite file, a restarting server: keep going
                self.errors[type(error).__name__] += 1
                references = []
            now = time.time()
            self.polls += 1
            for reference, created in references:
                self.seen.setdefault(reference, now)
                self.newest = max(self.newest, created)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            due = max(due, time.perf_counter() - POLL)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


# --- the service under test ------------------------------------------------------------


@dataclass
class Server:
    """`harbour-notifications serve` in a subprocess."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def problems(self) -> Counter[str]:
        """Warning and error log lines by event name (structlog JSON lines)."""
        found: Counter[str] = Counter()
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return found
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                if "Traceback" in line or "ERROR" in line:
                    found[line.strip()[:100]] += 1
                continue
            if isinstance(record, dict) and record.get("level") in ("warning", "error"):
                name = str(record.get("event", "?"))
                detail = record.get("error") or record.get("reason") or ""
                found[f"{record['level']}: {name} {detail}".strip()] += 1
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# --- where the server's time goes: a sampling profiler inside the server process ---------
#
# cProfile misattributes time under SQLAlchemy's greenlets, and a sampling thread only gets the
# GIL when the event loop lets it go, so `--profile` runs the server through this file
# (`--serve-sampled OUT`) with a SIGPROF timer: every SAMPLE_EVERY seconds of the process's CPU
# the handler, run by the event loop's thread, notes the innermost frame (which code, by
# package) and the running asyncio task's chain of awaits (for which part of the service).

SAMPLE_EVERY = 0.002
PACKAGES = (  # where the innermost frame's code lives, first match wins
    ("harbour_", "Harbour (kit and notifications)"),
    ("sqlmodel", "SQLAlchemy + SQLModel"),
    ("sqlalchemy", "SQLAlchemy + SQLModel"),
    ("greenlet", "SQLAlchemy + SQLModel"),
    ("asyncpg", "asyncpg"),
    ("aiosqlite", "aiosqlite"),
    ("sqlite3", "aiosqlite"),
    ("aiosmtplib", "aiosmtplib"),
    ("/email/", "email (building the message)"),
    ("jinja2", "Jinja2"),
    ("markupsafe", "Jinja2"),
    ("nats", "nats-py"),
    ("structlog", "structlog + logging"),
    ("/logging/", "structlog + logging"),
    ("pydantic", "pydantic"),
    ("/asyncio/", "asyncio (event loop, tasks, transports)"),
    ("uvicorn", "uvicorn/FastAPI"),
    ("starlette", "uvicorn/FastAPI"),
    ("fastapi", "uvicorn/FastAPI"),
)
PARTS = {  # the coroutine an asyncio task was started with → the part of the service
    "DurableConsumer.run": "consumer (fetch, routing handler, commit, ack)",
    "Deliverer._loop": "delivery worker (queue query, render, SMTP, commit)",
    "Service._relay_when_ready": "outbox relay (inbox.changed events to JetStream)",
}
LOOP = "event loop itself (uvloop, I/O callbacks) or another thread"


def _sample(frame: Any, current: dict[Any, Any]) -> tuple[str, str]:
    """(part of the service, package) of the interrupted frame.

    The part comes from the running task's first coroutine: the frames below the innermost one
    do not lead there once SQLAlchemy runs the ORM in a greenlet.
    """
    filename = frame.f_code.co_filename if frame is not None else ""
    task = next(iter(current.values()), None)
    if task is None or filename.endswith("asyncio/runners.py"):
        return LOOP, "uvloop (C) or another thread" if filename else "other"
    package = next(
        (name for key, name in PACKAGES if key in filename),
        "other (stdlib: typing, uuid, weakref, enum, …)",
    )
    coroutine = task.get_coro()
    code = getattr(coroutine, "cr_code", None)
    name = code.co_qualname if code is not None else task.get_name()
    return PARTS.get(name, f"other task ({name})"), package


def sampled_serve(out: Path) -> None:
    """`harbour-notifications serve` under a SIGPROF sampler; counts written to `out` on exit."""
    import asyncio.tasks
    import signal

    from harbour_notifications.main import main as serve

    counts: Counter[tuple[str, str]] = Counter()
    current: dict[Any, Any] = asyncio.tasks._current_tasks  # type: ignore[attr-defined]

    def on_tick(_: int, frame: Any) -> None:
        try:  # never let the sampler raise into the code it interrupted
            counts[_sample(frame, current)] += 1
        except Exception as error:
            counts[("sampler error", type(error).__name__)] += 1

    # uvicorn re-raises SIGTERM after its graceful shutdown: exit normally to write the counts.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGPROF, on_tick)
    signal.setitimer(signal.ITIMER_PROF, SAMPLE_EVERY, SAMPLE_EVERY)
    sys.argv = ["harbour-notifications", "serve"]
    try:
        serve()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        rows = [[part, package, n] for (part, package), n in counts.items()]
        out.write_text(json.dumps(rows))


def profile_summary(paths: list[Path]) -> list[str]:
    """Where the server processes spent their CPU, from the samples of all replicas."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            for part, package, n in json.loads(path.read_text()):
                counts[(part, package)] += int(n)
    busy = sum(counts.values())
    if not busy:
        return ["no samples written"]
    packages: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    for (part, package), n in counts.items():
        packages[package] += n
        parts[part] += n
    lines = [
        f"server CPU, sampled every {SAMPLE_EVERY * 1000:.0f} ms of CPU over the whole run"
        f" ({busy} samples):",
        "  by the code running (innermost Python frame):",
    ]
    lines += [f"    {n / busy:6.1%}  {name}" for name, n in packages.most_common(10)]
    lines.append("  by the part of the service (the running asyncio task), and its top code:")
    for part, n in parts.most_common(6):
        inside = Counter({pkg: m for (where, pkg), m in counts.items() if where == part})
        top = ", ".join(f"{pkg} {m / busy:.0%}" for pkg, m in inside.most_common(4))
        lines.append(f"    {n / busy:6.1%}  {part}: {top}")
    return lines


def start_server(
    env: dict[str, str], scratch: Path, replica: int = 0, profile: Path | None = None
) -> Server:
    port = int(env["NOTIFICATIONS_PORT"])
    log = scratch / f"server{replica}.log"
    command = [str(ROOT / ".venv" / "bin" / "harbour-notifications"), "serve"]
    if profile is not None:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-sampled", str(profile)]
    elif not Path(command[0]).exists():
        command = [sys.executable, "-m", "harbour_notifications.main", "serve"]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=scratch
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


async def wait_ready(server: Server, within: float = 60) -> None:
    deadline = time.monotonic() + within
    last = "no answer"
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({server.process.returncode}):\n{server.tail()}"
                )
            try:
                async with http.get(f"{server.base}/readyz") as response:
                    if response.status == 200:
                        return
                    last = f"{response.status} {await response.text()}"
            except aiohttp.ClientError as error:
                last = type(error).__name__
            await asyncio.sleep(0.2)
    raise RuntimeError(f"/readyz not ready after {within:.0f}s: {last}\n{server.tail()}")


async def wait_consumer(js: JetStreamContext, stream: str, within: float = 30) -> None:
    """Returns once the server's durable consumer exists (it is made after /readyz can pass)."""
    deadline = time.monotonic() + within
    while True:
        try:
            await js.consumer_info(stream, CONSUMER)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


PREFIX = "harbour_bench_notif_"


# --- set-up and tear-down --------------------------------------------------------------


async def create_database(admin_dsn: str) -> str:
    return await support.create_database(admin_dsn, PREFIX)


async def drop_database(admin_dsn: str, name: str) -> None:
    await support.drop_database(admin_dsn, name, PREFIX)


INSERT_RECIPIENT = (
    "INSERT INTO recipient (sub, organization_id, roles, locale, email, updated_at) VALUES ({})"
)


async def add_recipient_postgres(dsn: str) -> None:
    sub, org, roles, email = RECIPIENT
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            INSERT_RECIPIENT.format("$1, $2, $3::json, 'en', $4, now()"),
            sub,
            org,
            json.dumps(roles),
            email,
        )
    finally:
        await connection.close()


async def add_recipient_sqlite(path: Path) -> None:
    sub, org, roles, email = RECIPIENT
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    async with aiosqlite.connect(path) as connection:
        await connection.execute(
            INSERT_RECIPIENT.format("?, ?, ?, 'en', ?, ?"),
            (sub, org, json.dumps(roles), email, now),
        )
        await connection.commit()


async def delete_streams(nats_url: str, namespace: str) -> None:
    """Removes the JetStream streams of this run's namespace."""
    with contextlib.suppress(Exception):
        client = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=1)
        try:
            js = client.jetstream()
            for info in await js.streams_info():
                if info.config.name and info.config.name.startswith(f"{namespace.upper()}_"):
                    await js.delete_stream(info.config.name)
        finally:
            await client.close()


def _backend_pids(rows: list[Any]) -> list[int]:
    return [int(row[0]) for row in rows]


class PostgresCpu:
    """CPU of the benchmark database's PostgreSQL backends between two readings."""

    def __init__(self, admin_dsn: str | None, database: str | None) -> None:
        self.admin_dsn, self.database = admin_dsn, database
        self.start: dict[int, float] = {}

    async def _pids(self) -> list[int]:
        if not self.admin_dsn:
            return []
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database
            )
        finally:
            await connection.close()
        return _backend_pids(rows)

    async def mark(self) -> None:
        self.start = {pid: _cpu_seconds(pid) for pid in await self._pids()}

    async def used(self) -> float | None:
        if not self.admin_dsn:
            return None
        pids = await self._pids()
        return sum(_cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in pids)


# --- one offered rate ------------------------------------------------------------------


@dataclass
class Bench:
    """What the phases share."""

    js: JetStreamContext
    namespace: str
    sink: Sink
    watch: InboxWatch
    database: Database  # its own connection: the watch's is busy polling
    servers: list[Server]
    pg_cpu: PostgresCpu
    references: References = field(default_factory=References)

    def event(self, reference: str) -> Envelope:
        referral_id = str(uuid.uuid4())
        contract = ReferralTransitioned(
            referral_id=referral_id,
            reference=reference,
            action="send",
            status="requested",
            previous_status="draft",
            version=2,
            urgency="routine",
            purpose="legal",
            service_id="svc-bench-legal-1",
            referrer_organization_id=REFERRER_ORG,
            recipient_organization_id=PARTNER_ORG,
            occurred_at=datetime.now(UTC),
        )
        return Envelope.wrap(contract, source=SOURCE, subject=referral_id)

    async def publish(self, count: int, rate: float) -> tuple[list[str], float]:
        """Publishes `count` events on an absolute schedule; returns references and span."""
        subject = nats_subject(ReferralTransitioned.event_type, self.namespace)
        sent: list[str] = []
        started = time.perf_counter() + 0.01
        for i in range(count):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            reference = self.references()
            envelope = self.event(reference)
            self.watch.publishing(reference, time.time())
            await self.js.publish(subject, envelope.body(), headers=envelope.headers(), timeout=10)
            sent.append(reference)
        return sent, time.perf_counter() - started

    def complete(self, reference: str) -> bool:
        """E-mail accepted and inbox row seen."""
        return reference in self.watch.seen and self.sink.first(reference) is not None

    async def settle(self, references: list[str], within: float) -> float:
        """Waits until every reference is handled or `within` passes; returns seconds waited."""
        started = time.perf_counter()
        while time.perf_counter() - started < within:
            if all(self.complete(r) for r in references):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # late duplicates
        return time.perf_counter() - started


@dataclass
class Result:
    """The figures of one offered rate."""

    rate: float
    published: int
    publish_span: float
    email: list[float]
    inbox: list[float]
    both: list[float]
    emails_received: int
    duplicates: int
    missing_email: int
    missing_inbox: int
    missed_by_poll: int  # inbox rows the final read found but the poll never saw
    throughput: float
    waited: float
    server_cpu: float
    pg_cpu: float | None
    bench_cpu: float  # this process: publisher, SMTP sink thread, inbox poll
    wall: float
    stages: dict[str, list[float]]
    statuses: Counter[str]
    rows: Stages
    consumer: str
    load: tuple[float, float, float]


async def consumer_state(js: JetStreamContext, stream: str) -> str:
    try:
        info = await js.consumer_info(stream, CONSUMER)
    except Exception as error:
        return f"consumer info unavailable ({type(error).__name__})"
    return (
        f"pending {info.num_pending}, ack pending {info.num_ack_pending}, "
        f"redelivered {info.num_redelivered}, delivered {info.delivered.consumer_seq}"
    )


async def run_rate(bench: Bench, rate: float, seconds: float) -> Result:
    count = max(1, round(rate * seconds))
    await bench.pg_cpu.mark()
    cpu = sum(_cpu_seconds(server.process.pid) for server in bench.servers)
    own_cpu = time.process_time()
    wall = time.perf_counter()
    references, span = await bench.publish(count, rate)
    waited = await bench.settle(references, STRAGGLERS)
    wall = time.perf_counter() - wall
    server_cpu = sum(_cpu_seconds(server.process.pid) for server in bench.servers) - cpu
    own_cpu = time.process_time() - own_cpu
    pg_cpu = await bench.pg_cpu.used()

    published = bench.watch.published
    email: list[float] = []
    inbox: list[float] = []
    both: list[float] = []
    finished: list[float] = []
    received = duplicates = missing_email = missing_inbox = 0
    for reference in references:
        at = published[reference]
        mailed, seen = bench.sink.first(reference), bench.watch.seen.get(reference)
        copies = bench.sink.count(reference)
        received += min(copies, 1)
        duplicates += max(0, copies - 1)
        if mailed is None:
            missing_email += 1
        else:
            email.append(mailed - at)
        if seen is None:
            missing_inbox += 1
        else:
            inbox.append(seen - at)
        if mailed is not None and seen is not None:
            both.append(max(mailed, seen) - at)
            finished.append(max(mailed, seen))
    first = min(published[r] for r in references)
    throughput = len(finished) / (max(finished) - first) if finished else 0.0

    rows = await bench.database.stages()
    stages: dict[str, list[float]] = {name: [] for name, _ in STAGES}
    for reference in references:
        at, seen, mailed = (
            published[reference],
            bench.watch.seen.get(reference),
            bench.sink.first(reference),
        )
        handled, picked = rows.handled.get(reference), rows.picked.get(reference)
        if handled is None or seen is None or picked is None or mailed is None:
            continue
        stages["consumer"].append(handled - at)
        stages["visible"].append(seen - handled)
        stages["queue"].append(picked - handled)
        stages["send"].append(mailed - picked)
    stream = stream_name(bench.namespace, "referrals")
    return Result(
        rate=rate,
        published=count,
        publish_span=span,
        email=email,
        inbox=inbox,
        both=both,
        emails_received=received,
        duplicates=duplicates,
        missing_email=missing_email,
        missing_inbox=missing_inbox,
        missed_by_poll=sum(r not in bench.watch.seen and r in rows.handled for r in references),
        throughput=throughput,
        waited=waited,
        server_cpu=server_cpu,
        pg_cpu=pg_cpu,
        bench_cpu=own_cpu,
        wall=wall,
        stages=stages,
        statuses=rows.statuses,
        rows=rows,
        consumer=await consumer_state(bench.js, stream),
        load=os.getloadavg(),
    )


# --- output ----------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    p50, p95, p99 = support.percentiles(values)
    top = max(values) if values else float("nan")
    return (
        f"p50 {p50 * 1000:7.1f}  p95 {p95 * 1000:7.1f}  p99 {p99 * 1000:7.1f}"
        f"  max {top * 1000:7.1f} ms"
    )


def report(result: Result) -> list[str]:
    offered = result.published / result.publish_span if result.publish_span else 0.0
    lines = [
        f"rate {result.rate:.0f} events/s: {result.published} events published in "
        f"{result.publish_span:.2f} s ({offered:.0f}/s achieved by the publisher)",
        f"  e-mails received {result.emails_received} of {result.published}"
        f" (not within {STRAGGLERS:.0f} s: {result.missing_email},"
        f" duplicates {result.duplicates}); inbox rows seen for"
        f" {result.published - result.missing_inbox} (not within {STRAGGLERS:.0f} s:"
        f" {result.missing_inbox}, of which {result.missed_by_poll} were in the database"
        " but missed by the poll)",
        f"  e-mail  n={len(result.email):<5} {_ms(result.email)}",
        f"  inbox   n={len(result.inbox):<5} {_ms(result.inbox)}",
        f"  both    n={len(result.both):<5} {_ms(result.both)}",
        f"  fully handled: {result.throughput:.1f} events/s; waited"
        f" {result.waited:.1f} s after the last publish"
        + ("" if len(result.both) == result.published else " (percentiles: handled only)"),
    ]
    for stage, label in STAGES:
        values = result.stages[stage]
        p50, _, p99 = support.percentiles(values)
        lines.append(f"    {label:<66} p50 {p50 * 1000:7.1f}  p99 {p99 * 1000:7.1f} ms")
    pg = f", PostgreSQL backends {result.pg_cpu:.1f} s" if result.pg_cpu is not None else ""
    lines.append(
        f"  CPU over {result.wall:.1f} s: server(s) {result.server_cpu:.1f} s"
        f" ({result.server_cpu / result.wall:.0%} of one core){pg}, bench"
        f" {result.bench_cpu:.1f} s; load"
        f" {result.load[0]:.2f}"
    )
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
    lines.append(
        f"  so far (warm-up included): e-mail deliveries {statuses}, {result.rows.attempts}"
        f" attempts; {result.rows.applied_events} events applied, {result.rows.inbox_rows} inbox"
        f" rows (2 roles each); JetStream consumer: {result.consumer}"
    )
    p99 = support.percentiles(result.both)[2]
    met = result.both and p99 <= TARGET_P99 and not result.missing_email + result.missing_inbox
    lines.append(
        f"  p99 (e-mail and inbox) {p99 * 1000:.0f} ms ≤ {TARGET_P99 * 1000:.0f} ms:"
        f" {'met' if met else 'NOT met'}"
    )
    return lines


def result_figures(
    results: list[Result], args: argparse.Namespace, rates: list[float], seconds: float
) -> dict[str, Any]:
    """The closing RESULT line: the 200/s figures (null if that rate did not run), then per rate."""
    workers = "1 delivery worker" if args.backend == "sqlite" else "4 delivery workers"
    overrides = "; server env " + ", ".join(args.server_env) if args.server_env else ""
    database = (
        f"PostgreSQL {support.place(args.admin_url)}"
        if args.backend == "postgresql"
        else "SQLite file"
    )
    figures: dict[str, Any] = {
        "handled_per_s_at_200": None,
        "p99_ms_at_200": None,
        "server_cpu_ms_per_event": None,
        "backend": args.backend,
        "rates": rates,
        "seconds_per_rate": seconds,
        "quick": args.quick,
        "where": (
            f"notifications: {args.replicas} harbour-notifications serve"
            f" process{'es' if args.replicas != 1 else ''}, one event loop each,"
            f" {workers} by default{overrides}; {database};"
            f" NATS {support.place(args.nats_url)}; publisher, SMTP sink and inbox poll in the"
            " bench process"
        ),
    }
    for result in results:
        rate = f"{result.rate:g}"
        handled = len(result.both)
        figures[f"handled_per_s_at_{rate}"] = support.rounded(result.throughput, 1)
        figures[f"p99_ms_at_{rate}"] = support.rounded(support.percentiles(result.both)[2] * 1000)
        # CPU over the phase per fully handled event; unfinished ones are counted separately.
        figures[f"server_cpu_ms_per_event_at_{rate}"] = support.rounded(
            result.server_cpu * 1000 / handled if handled else None
        )
        figures[f"unfinished_at_{rate}"] = result.published - handled
        figures[f"duplicates_at_{rate}"] = result.duplicates
    figures["server_cpu_ms_per_event"] = figures.get("server_cpu_ms_per_event_at_200")
    return figures


# --- main ------------------------------------------------------------------------------


def _rates(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


async def bench_main(args: argparse.Namespace) -> None:
    rates, seconds = ([50.0, 200.0], 3.0) if args.quick else (_rates(args.rates), args.seconds)
    admin_dsn = args.admin_url.replace("postgresql+asyncpg://", "postgresql://")
    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-notif-"))
    namespace = "benchnotif" + uuid.uuid4().hex[:8]
    name: str | None = None
    servers: list[Server] = []
    client: Client | None = None
    databases: list[Database] = []
    watch: InboxWatch | None = None
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=support.free_port())
    closing = result_figures([], args, rates, seconds)  # nulls until a rate has run
    print(
        f"notifications: event → inbox + e-mail, backend {args.backend}, rates "
        f"{', '.join(f'{r:.0f}' for r in rates)}/s for {seconds:.0f} s each, "
        f"{args.replicas} server process(es), {os.cpu_count()} CPUs,"
        f" load {os.getloadavg()[0]:.2f}"
    )
    try:
        if args.backend == "postgresql":
            name = await create_database(admin_dsn)
            dsn = f"{admin_dsn.rpartition('/')[0]}/{name}"
            url = dsn.replace("postgresql://", "postgresql+asyncpg://")
            await asyncio.to_thread(upgrade, MIGRATIONS, url)
            await add_recipient_postgres(dsn)
            print(f"  database {name}")
        else:
            path = scratch / "notifications.db"
            url = f"sqlite+aiosqlite:///{path}"
            await asyncio.to_thread(upgrade, MIGRATIONS, url)
            await add_recipient_sqlite(path)
            print(f"  database {path}")
        controller.start()
        _, public_key = ensure_keypair(scratch / "keys")
        env = {
            **os.environ,
            "NOTIFICATIONS_DATABASE_URL": url,
            "NOTIFICATIONS_PORT": str(support.free_port()),
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_SMTP_PORT": str(controller.port),
            "NOTIFICATIONS_DELIVERY_POLL_INTERVAL": "0.05",
            "HARBOUR_NATS_URL": args.nats_url,
            "HARBOUR_EVENTS_NAMESPACE": namespace,
            "HARBOUR_DATA_DIR": str(scratch / "data"),
            "HARBOUR_JWT_PUBLIC_KEY_FILE": str(public_key),
        }
        for setting in args.server_env:
            key, _, value = setting.partition("=")
            env[key] = value
        for replica in range(args.replicas):
            env["NOTIFICATIONS_PORT"] = str(support.free_port())
            profile = scratch / f"server{replica}.samples.json" if args.profile else None
            servers.append(start_server(env, scratch, replica, profile))
        for server in servers:
            await wait_ready(server)
        client = await nats.connect(args.nats_url)
        js = client.jetstream(timeout=10)
        stream = await ensure_event_stream(
            js, namespace=namespace, producer="referrals", replicas=1
        )
        await wait_consumer(js, stream)
        for _ in range(2):
            databases.append(
                await Postgres.open(dsn)
                if args.backend == "postgresql"
                else await Sqlite.open(path)
            )
        watch = InboxWatch(databases[0])
        watch.start()
        bench = Bench(
            js=js,
            namespace=namespace,
            sink=sink,
            watch=watch,
            database=databases[1],
            servers=servers,
            pg_cpu=PostgresCpu(admin_dsn if name else None, name),
        )
        warm, _ = await bench.publish(WARMUP, 10)
        await bench.settle(warm, STRAGGLERS)
        print(
            f"  server ready, {sum(bench.complete(r) for r in warm)}/{WARMUP} warm-up events"
            " handled (not counted)"
        )
        results: list[Result] = []
        for rate in rates:
            result = await run_rate(bench, rate, seconds)
            results.append(result)
            closing = result_figures(results, args, rates, seconds)
            print()
            for line in report(result):
                print(line)
        print()
        print("summary (end-to-end = later of e-mail accepted and inbox row visible)")
        for result in results:
            p50, p95, p99 = support.percentiles(result.both)
            top = max(result.both) if result.both else float("nan")
            unfinished = result.published - len(result.both)
            print(
                f"  {result.rate:5.0f}/s  p50 {p50 * 1000:6.0f}  p95 {p95 * 1000:6.0f}"
                f"  p99 {p99 * 1000:6.0f}  max {top * 1000:6.0f} ms"
                f"  {result.throughput:5.1f} events/s handled"
                f"  unfinished after {STRAGGLERS:.0f} s {unfinished}"
                f" (e-mails still queued {result.statuses.get('queued', 0)})"
                f"  duplicates {result.duplicates}"
            )
        at_target = [r for r in results if r.rate >= TARGET_RATE]
        if at_target:
            r = at_target[0]
            p99 = support.percentiles(r.both)[2]
            met = p99 <= TARGET_P99 and not r.missing_email + r.missing_inbox
            print(
                f"  target p99 ≤ {TARGET_P99 * 1000:.0f} ms at {TARGET_RATE:.0f} events/s: "
                f"{'met' if met else 'NOT met'} ({p99 * 1000:.0f} ms)"
            )
        if sink.unmatched:
            print(f"  {sink.unmatched} e-mails without a referral reference")
        if watch.errors:
            print(f"  inbox poll errors: {dict(watch.errors)}")
        problems: Counter[str] = sum((server.problems() for server in servers), Counter())
        if problems:
            print("  server warnings/errors:")
            for line, n in problems.most_common(10):
                print(f"    {n:6d}  {line}")
    except Exception as error:
        print(f"benchmark stopped: {type(error).__name__}: {error}")
        closing["error"] = f"{type(error).__name__}: {error}"
        for server in servers:
            print(f"server log (last lines):\n{server.tail()}")
    finally:
        if watch is not None:
            await watch.stop()
        for database in databases:
            with contextlib.suppress(Exception):
                await database.close()
        await asyncio.gather(*(asyncio.to_thread(server.stop) for server in servers))
        if args.profile and servers:
            for line in profile_summary(
                [scratch / f"server{i}.samples.json" for i in range(len(servers))]
            ):
                print(line)
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()
        with contextlib.suppress(Exception):
            controller.stop()
        await delete_streams(args.nats_url, namespace)
        if name is not None:
            with contextlib.suppress(Exception):
                await drop_database(admin_dsn, name)
        shutil.rmtree(scratch, ignore_errors=True)
    support.print_result(closing)


def main() -> None:
    if sys.argv[1:2] == ["--serve-sampled"]:  # the server side of `--profile`
        sampled_serve(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rates", default="50,200", help="offered events/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="publishing time per rate")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--quick", action="store_true", help="rates 50 and 200 for 3 s each")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "HARBOUR_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL superuser URL (databases harbour_bench_notif_* are made and dropped)",
    )
    parser.add_argument(
        "--nats-url", default=os.environ.get("HARBOUR_NATS_URL", "nats://127.0.0.1:4222")
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server (e.g. NOTIFICATIONS_DELIVERY_WORKERS=8)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="server processes sharing the consumer and the delivery queue (PostgreSQL only)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the server's event loop: which code, which part of the service",
    )
    args = parser.parse_args()
    if args.backend == "sqlite" and args.replicas != 1:
        parser.error("--replicas needs PostgreSQL: on SQLite a server assumes it sends alone")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(bench_main(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
