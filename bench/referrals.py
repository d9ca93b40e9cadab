"""Referral transitions over HTTP on PostgreSQL, against the bare row work in the same run.

Starts `harbour-referrals serve` on a fresh PostgreSQL database, records one claimant and one
consent per referral (not timed), then drives N referrals concurrently through create → send →
acknowledge → accept → complete, each call as the actor the lifecycle wants and with the
`If-Match` of the version the previous call returned. Prints p50/p95/p99 per step, transitions/s
and p95 over all transitions, next to a baseline: the same row changes (INSERT referral and
history, then four UPDATE … WHERE version = … plus a history row, one transaction each) as plain
SQL through asyncpg at the same concurrency. For each phase it also samples pg_stat_activity
(which sessions hold or wait for the audit chain's advisory lock, which are idle in a
transaction waiting on the application) and the CPU used by the server and its PostgreSQL
backends, to show where the time goes. Reports; never fails on the figures.

    .venv/bin/python bench/referrals.py --quick
    .venv/bin/python bench/referrals.py --referrals 200 --concurrency 16
    .venv/bin/python bench/referrals.py --workers 2   # two uvicorn worker processes
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import nats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from harbour_kit.auth import mint_token
from harbour_kit.crypto import generate_key_setting
from harbour_kit.keys import ensure_keypair
from harbour_kit.migrations import upgrade
from harbour_referrals.main import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]

REFERRER_ORG = "org-bench-referrer"  # org A: social workers
PARTNER_ORG = "org-bench-partner"  # org B: the receiving partner
SERVICES = [f"svc-bench-legal-{i}" for i in range(1, 4)]  # all org B, all accepting
STEPS = ("create", "send", "acknowledge", "accept", "complete")
TARGET_RATE, TARGET_P95 = 300.0, 0.050  # /work/shared/PERFORMANCE.md
DETAILS: dict[str, Any] = {
    "name": "Bench Claimant",
    "phone": "+852 5555 0100",
    "safe_contact": {"voicemail_ok": False, "sms_ok": True, "notes": "Evenings only"},
    "languages": ["ur", "en"],
    "interpreter_needed": True,
}
CATEGORIES = ["identity", "contact", "languages", "needs"]
NEEDS = "Needs advice before a screening interview."
OUTCOME = "Advice given; next appointment booked."

# The baseline: what the service's transitions change in rows, and nothing else.
INSERT_REFERRAL = """
INSERT INTO referral (id, reference, version, status, claimant_id, purpose, urgency,
    referrer_organization_id, referrer_sub, service_id, recipient_organization_id,
    candidates, created_at, updated_at)
VALUES ($1, $2, 1, 'draft', $3, 'legal', 'routine', $4, 'worker-1', $5, $6, '[]', now(), now())
"""
INSERT_HISTORY = """
INSERT INTO referral_history (referral_id, version, action, from_status, to_status,
    actor_sub, actor_organization_id, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now())
"""
UPDATE_REFERRAL = """
UPDATE referral SET status = $1, version = version + 1, updated_at = now()
WHERE id = $2 AND version = $3
"""
SESSIONS = """
SELECT a.pid, a.state, a.wait_event_type, a.wait_event,
    EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
            AND l.granted) AS holds_lock
FROM pg_stat_activity a
WHERE a.datname = $1 AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
"""
PLAIN_MOVES = [  # (step, from, to, actor, actor org)
    ("send", "draft", "requested", "worker-1", REFERRER_ORG),
    ("acknowledge", "requested", "received", "partner-1", PARTNER_ORG),
    ("accept", "received", "accepted", "partner-1", PARTNER_ORG),
    ("complete", "accepted", "completed", "partner-1", PARTNER_ORG),
]


def _with_database(admin_url: str, name: str) -> str:
    return f"{admin_url.rpartition('/')[0]}/{name}"


@dataclass
class Failure:
    """A call the server refused or failed: which step, what it said."""

    step: str
    status: int
    body: str


@dataclass
class Run:
    """Latencies by step (seconds), wall time, and what failed."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    wall: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    @property
    def all(self) -> list[float]:
        return [value for step in STEPS for value in self.latencies[step]]

    @property
    def rate(self) -> float:
        return len(self.all) / self.wall if self.wall else 0.0


# --- CPU and wait accounting -----------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The direct children of a process (uvicorn's workers under its supervisor)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return found


def _tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds so far of a process and its descendants, by pid."""
    seen: dict[int, float] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen[current] = _cpu_seconds(current)
            todo += _children(current)
    return seen


def _cpu_since(before: dict[int, float], pid: int) -> dict[int, float]:
    """CPU seconds each process of the tree used since `before`."""
    now = _tree_cpu(pid)
    return {p: cpu - before.get(p, 0.0) for p, cpu in now.items()}


class Sampler:
    """Samples what the benchmark database's sessions are doing, and their CPU."""

    def __init__(self, dsn: str, database: str, interval: float = 0.025) -> None:
        self.dsn, self.database, self.interval = dsn, database, interval
        self.states: Counter[str] = Counter()
        self.samples = 0
        self.lock_held = 0  # samples in which some session held the audit chain's lock
        self.backend_cpu: dict[int, tuple[float, float]] = {}  # pid → (first, last)
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        connection = await asyncpg.connect(self.dsn)
        try:
            while True:
                rows = await connection.fetch(SESSIONS, self.database)
                self.samples += 1
                self.lock_held += any(row["holds_lock"] for row in rows)
                for row in rows:
                    self.states[self._label(row)] += 1
                    cpu = _cpu_seconds(row["pid"])
                    first, _ = self.backend_cpu.get(row["pid"], (cpu, cpu))
                    self.backend_cpu[row["pid"]] = (first, cpu)
                await asyncio.sleep(self.interval)
        finally:
            await connection.close()

    @staticmethod
    def _label(row: asyncpg.Record) -> str:
        state, kind, event = row["state"], row["wait_event_type"], row["wait_event"]
        if state == "idle":
            return "idle (pooled, no transaction)"
        if state == "idle in transaction":
            held = ", holding the audit lock" if row["holds_lock"] else ""
            return f"idle in transaction (waiting on the app{held})"
        if kind == "Lock" and event == "advisory":
            return "waiting: advisory lock (audit chain)"
        if kind == "Lock":
            return f"waiting: lock {event}"
        if kind is None:
            held = ", holding the audit lock" if row["holds_lock"] else ""
            return f"running in PostgreSQL (CPU{held})"
        return f"waiting: {kind}/{event}"

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @property
    def postgres_cpu(self) -> float:
        return sum(last - first for first, last in self.backend_cpu.values())

    def report(self, label: str) -> list[str]:
        total = sum(v for k, v in self.states.items() if not k.startswith("idle (pooled"))
        held = self.lock_held / self.samples if self.samples else 0.0
        lines = [
            f"    audit chain lock held in {held:.0%} of {self.samples} samples of"
            f" pg_stat_activity; {label} sessions in a transaction were:"
        ]
        for state, count in self.states.most_common():
            if state.startswith("idle (pooled") or not total:
                continue
            lines.append(f"      {count / total:6.1%}  {state}")
        return lines


# --- the service under test ------------------------------------------------------------


@dataclass
class Server:
    """`harbour-referrals serve` in a subprocess."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(env: dict[str, str], scratch: Path, workers: int = 1) -> Server:
    port = int(env["REFERRALS_PORT"])
    # `harbour-referrals serve` hands uvicorn no worker count, so uvicorn reads this variable.
    env = {**env, "WEB_CONCURRENCY": str(workers)}
    log = scratch / "server.log"
    command = [str(ROOT / ".venv" / "bin" / "harbour-referrals"), "serve"]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "harbour_referrals.main", "serve"]
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=scratch
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


async def wait_ready(http: aiohttp.ClientSession, server: Server, within: float = 60) -> None:
    deadline = time.monotonic() + within
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited ({server.process.returncode}):\n{server.tail()}")
        try:
            async with http.get(f"{server.base}/readyz") as response:
                if response.status == 200:
                    return
                last = f"{response.status} {await response.text()}"
        except aiohttp.ClientError as error:
            last = type(error).__name__
        await asyncio.sleep(0.2)
    raise RuntimeError(f"/readyz not ready after {within:.0f}s: {last}\n{server.tail()}")


async def wait_workers(server: Server, workers: int, within: float = 60) -> None:
    """Waits until every uvicorn worker has logged its start-up (each one logs it once)."""
    deadline = time.monotonic() + within
    while server.tail(10_000).count("Application startup complete") < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {workers} workers started:\n{server.tail()}")
        await asyncio.sleep(0.2)


def _connections_by_worker(server: Server) -> list[int]:
    """How many established connections to the server's port each worker process holds."""
    port = f":{int(server.base.rsplit(':', 1)[1]):04X}"
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(port) and fields[3] == "01":
            established.add(fields[9])
    counts = []
    for pid in _tree_cpu(server.process.pid):
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            with contextlib.suppress(OSError):
                inodes.add(os.readlink(fd).removeprefix("socket:[").removesuffix("]"))
        if inodes & established:
            counts.append(len(inodes & established))
    return counts


async def open_balanced(
    server: Server, workers: int, count: int, tries: int = 30
) -> aiohttp.ClientSession:
    """A session whose `count` keep-alive connections are spread evenly over the workers."""
    for _ in range(tries):
        http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=count))
        # One at a time: each new connection goes to whichever idle worker accepts it first.
        held = [await http.get(f"{server.base}/healthz") for _ in range(count)]
        counts = _connections_by_worker(server)
        for response in held:
            await response.read()
            response.release()
        if workers == 1 or (len(counts) == workers and max(counts) - min(counts) <= 1):
            return http
        await http.close()
    raise RuntimeError(f"could not spread {count} connections over {workers} workers")


class Refused(Exception):
    """The server answered a call with an error."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.step}: {failure.status} {failure.body}")
        self.failure = failure


async def call(
    http: aiohttp.ClientSession,
    url: str,
    step: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
    expect: int,
) -> tuple[dict[str, Any], float]:
    """POSTs one request; returns the JSON body and the latency in seconds."""
    started = time.perf_counter()
    async with http.post(url, json=body, headers=headers) as response:
        text = await response.text()
        elapsed = time.perf_counter() - started
        if response.status != expect:
            raise Refused(Failure(step, response.status, text[:500]))
        result: dict[str, Any] = await response.json(content_type=None)
    return result, elapsed


@dataclass(frozen=True)
class Actors:
    """Authorization headers of the two sides."""

    worker: dict[str, str]
    partner: dict[str, str]


async def setup_claimants(
    http: aiohttp.ClientSession, base: str, actors: Actors, count: int, concurrency: int
) -> list[str]:
    """One claimant and one consent (to org B, purpose legal) per referral; not timed."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with gate:
            claimant, _ = await call(
                http, f"{base}/claimants", "setup: claimant", actors.worker, DETAILS, 201
            )
            consent = {
                "claimant_id": claimant["id"],
                "purpose": "legal",
                "receiving_organization_ids": [PARTNER_ORG],
                "data_categories": CATEGORIES,
                "method": "verbal",
            }
            await call(http, f"{base}/consents", "setup: consent", actors.worker, consent, 201)
            return str(claimant["id"])

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def http_run(
    http: aiohttp.ClientSession, base: str, actors: Actors, claimants: list[str], concurrency: int
) -> Run:
    """The timed chains over HTTP."""
    run = Run()
    gate = asyncio.Semaphore(concurrency)

    async def chain(index: int, claimant_id: str) -> None:
        async with gate:
            body: dict[str, Any] = {
                "claimant_id": claimant_id,
                "service_id": SERVICES[index % len(SERVICES)],
                "purpose": "legal",
                "needs_summary": NEEDS,
                "send": False,
            }
            try:
                referral, elapsed = await call(
                    http, f"{base}/referrals", "create", actors.worker, body, 201
                )
                run.latencies["create"].append(elapsed)
                moves: list[tuple[str, dict[str, str], dict[str, Any] | None]] = [
                    ("send", actors.worker, None),
                    ("acknowledge", actors.partner, None),
                    ("accept", actors.partner, {"assignee": "caseworker-1"}),
                    ("complete", actors.partner, {"outcome": OUTCOME}),
                ]
                for step, who, payload in moves:
                    headers = {**who, "If-Match": f'"{referral["version"]}"'}
                    url = f"{base}/referrals/{referral['id']}/actions/{step}"
                    referral, elapsed = await call(http, url, step, headers, payload, 200)
                    run.latencies[step].append(elapsed)
            except Refused as refused:
                run.failures.append(refused.failure)
            except aiohttp.ClientError as error:
                run.failures.append(Failure("transport", 0, repr(error)))

    started = time.perf_counter()
    await asyncio.gather(*(chain(i, c) for i, c in enumerate(claimants)))
    run.wall = time.perf_counter() - started
    return run


async def _plain_create(referral_id: str, service: str, connection: asyncpg.Connection) -> None:
    reference = "B-" + uuid.uuid4().hex[:8].upper()
    claimant_id = str(uuid.uuid4())
    await connection.execute(
        INSERT_REFERRAL, referral_id, reference, claimant_id, REFERRER_ORG, service, PARTNER_ORG
    )
    await connection.execute(
        INSERT_HISTORY, referral_id, 1, "create", None, "draft", "worker-1", REFERRER_ORG
    )


async def _plain_move(
    referral_id: str,
    version: int,
    step: str,
    before: str,
    after: str,
    actor: str,
    org: str,
    connection: asyncpg.Connection,
) -> None:
    status = await connection.execute(UPDATE_REFERRAL, after, referral_id, version)
    if status != "UPDATE 1":
        raise RuntimeError(f"{step}: {status}")
    await connection.execute(
        INSERT_HISTORY, referral_id, version + 1, step, before, after, actor, org
    )


async def plain_run(dsn: str, count: int, concurrency: int) -> Run:
    """The baseline: the same row changes as plain SQL, one transaction per transition."""
    run = Run()
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def timed(step: str, work: Callable[[asyncpg.Connection], Awaitable[None]]) -> None:
        started = time.perf_counter()
        async with pool.acquire() as connection, connection.transaction():
            await work(connection)
        run.latencies[step].append(time.perf_counter() - started)

    async def chain(index: int) -> None:
        async with gate:
            referral_id = str(uuid.uuid4())
            service = SERVICES[index % len(SERVICES)]
            await timed("create", partial(_plain_create, referral_id, service))
            for version, (step, before, after, actor, org) in enumerate(PLAIN_MOVES, start=1):
                move = partial(_plain_move, referral_id, version, step, before, after, actor, org)
                await timed(step, move)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(chain(i) for i in range(count)))
        run.wall = time.perf_counter() - started
    finally:
        await pool.close()
    return run


PREFIX = "harbour_bench_ref_"


# --- set-up and tear-down --------------------------------------------------------------


async def create_database(admin_dsn: str) -> str:
    return await support.create_database(admin_dsn, PREFIX)


async def drop_database(admin_dsn: str, name: str) -> None:
    await support.drop_database(admin_dsn, name, PREFIX)


async def add_targets(dsn: str) -> None:
    """Accepting partner services of org B, as directory events would leave them."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.executemany(
            "INSERT INTO referral_target (service_id, organization_id, name, status,"
            " accepting_referrals, removed, version, updated_at)"
            " VALUES ($1, $2, $3, 'active', true, false, 1, now())",
            [(service, PARTNER_ORG, service) for service in SERVICES],
        )
    finally:
        await connection.close()


async def delete_streams(nats_url: str, namespace: str) -> None:
    """Removes the JetStream streams the server declared under this run's namespace."""
    with contextlib.suppress(Exception):
        client = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=1)
        try:
            js = client.jetstream()
            for info in await js.streams_info():
                if info.config.name and info.config.name.startswith(f"{namespace.upper()}_"):
                    await js.delete_stream(info.config.name)
        finally:
            await client.close()


# --- output ----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value * 1000:8.1f}"


def table(title: str, run: Run) -> list[str]:
    lines = [
        f"  {title}",
        f"    {'step':<12} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
    ]
    for step in STEPS:
        values = run.latencies[step]
        if values:
            p50, p95, p99 = support.percentiles(values)
            lines.append(f"    {step:<12} {len(values):>5} {_ms(p50)} {_ms(p95)} {_ms(p99)}")
    if run.all:
        p50, p95, p99 = support.percentiles(run.all)
        lines.append(f"    {'all':<12} {len(run.all):>5} {_ms(p50)} {_ms(p95)} {_ms(p99)}")
    lines.append(
        f"    {len(run.all)} transitions in {run.wall:.2f} s = {run.rate:.0f} transitions/s"
    )
    return lines


def _workers(count: int) -> str:
    """What ran the server, for the report."""
    if count == 1:
        return "1 uvicorn worker"
    return f"{count} uvicorn workers (processes under uvicorn's supervisor)"


def _mark(met: bool) -> str:
    return "met" if met else "NOT met"


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--referrals", type=int, default=200, help="referral chains (5 calls)")
    parser.add_argument("--concurrency", type=int, default=8, help="chains in flight")
    parser.add_argument("--quick", action="store_true", help="30 referrals, concurrency 4")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes of the server"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "HARBOUR_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL superuser URL (databases harbour_bench_ref_* are made and dropped)",
    )
    parser.add_argument(
        "--nats-url", default=os.environ.get("HARBOUR_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = parser.parse_args()
    count, concurrency = (30, 4) if args.quick else (args.referrals, args.concurrency)
    admin_dsn = args.admin_url.replace("postgresql+asyncpg://", "postgresql://")

    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-ref-"))
    namespace = "benchref" + uuid.uuid4().hex[:8]
    name = await create_database(admin_dsn)
    dsn = _with_database(admin_dsn, name)
    server: Server | None = None
    # The closing RESULT line: null figures unless the run gets as far as the summary.
    result: dict[str, Any] = {
        "transitions_per_s": None,
        "plain_sql_per_s": None,
        "transitions_per_s_over_plain_sql": None,
        "p95_ms": None,
        "referrals": count,
        "concurrency": concurrency,
        "workers": args.workers,
        "quick": args.quick,
        "where": (
            f"referrals: 1 harbour-referrals serve process, {_workers(args.workers)};"
            f" PostgreSQL {support.place(admin_dsn)}; NATS {support.place(args.nats_url)};"
            " load client and plain-SQL baseline (asyncpg pool) in the bench process"
        ),
    }
    print(
        f"referral transitions: {count} referrals x {len(STEPS)} steps, concurrency "
        f"{concurrency}, database {name}, {os.cpu_count()} CPUs"
    )
    try:
        await asyncio.to_thread(upgrade, MIGRATIONS, dsn)
        await add_targets(dsn)
        private_path, public_path = ensure_keypair(scratch / "keys")
        private_pem = private_path.read_text()
        actors = Actors(
            worker={
                "Authorization": "Bearer "
                + mint_token(
                    private_pem, sub="worker-1", org_id=REFERRER_ORG, roles=["social_worker"]
                )
            },
            partner={
                "Authorization": "Bearer "
                + mint_token(
                    private_pem, sub="partner-1", org_id=PARTNER_ORG, roles=["partner_staff"]
                )
            },
        )
        env = {
            **os.environ,
            "REFERRALS_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
            "REFERRALS_PORT": str(support.free_port()),
            "HARBOUR_NATS_URL": args.nats_url,
            "HARBOUR_EVENTS_NAMESPACE": namespace,
            "HARBOUR_JWT_PUBLIC_KEY_FILE": str(public_path),
            "REFERRALS_ENCRYPTION_KEYS": generate_key_setting("bench1"),
            "HARBOUR_DATA_DIR": str(scratch / "data"),
        }
        server = start_server(env, scratch, args.workers)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:
            await wait_ready(http, server)
            claimants = await setup_claimants(http, server.base, actors, count, concurrency)

            plain_sampler = Sampler(admin_dsn, name)
            plain_sampler.start()
            client_cpu = time.process_time()
            plain = await plain_run(dsn, count, concurrency)
            plain_client_cpu = time.process_time() - client_cpu
            await plain_sampler.stop()

        # A keep-alive connection stays with the worker that accepted it: the timed run gets
        # fresh ones, as many on each worker, once every worker listens.
        await wait_workers(server, args.workers)
        async with await open_balanced(server, args.workers, concurrency) as http:
            sampler = Sampler(admin_dsn, name)
            sampler.start()
            server_before, client_cpu = _tree_cpu(server.process.pid), time.process_time()
            run = await http_run(http, server.base, actors, claimants, concurrency)
            server_cpus = _cpu_since(server_before, server.process.pid)
            server_cpu = sum(server_cpus.values())
            client_cpu = time.process_time() - client_cpu
            await sampler.stop()

        print()
        for line in table(f"HTTP (harbour-referrals serve, {_workers(args.workers)})", run):
            print(line)
        print(
            f"    CPU: server {server_cpu:.2f} s ({server_cpu / run.wall:.0%} of one core), "
            f"PostgreSQL backends {sampler.postgres_cpu:.2f} s, bench client {client_cpu:.2f} s"
        )
        if len(server_cpus) > 1:
            shares = ", ".join(f"{cpu / run.wall:.0%}" for cpu in server_cpus.values())
            print(f"    server processes (supervisor first, of one core each): {shares}")
        for line in sampler.report("HTTP"):
            print(line)
        if run.failures:
            print(f"  {len(run.failures)} chains failed; first ones:")
            for failure in run.failures[:5]:
                print(f"    {failure.step}: HTTP {failure.status} {failure.body}")
        print()
        for line in table("plain SQL (asyncpg, pool of concurrency connections)", plain):
            print(line)
        print(
            f"    CPU: PostgreSQL backends {plain_sampler.postgres_cpu:.2f} s, "
            f"bench client {plain_client_cpu:.2f} s"
        )
        for line in plain_sampler.report("plain SQL"):
            print(line)

        print()
        print("summary")
        if run.all and plain.all:
            p95, plain_p95 = support.percentiles(run.all)[1], support.percentiles(plain.all)[1]
            print(
                f"  HTTP      {run.rate:7.0f} transitions/s   p95 {p95 * 1000:7.1f} ms\n"
                f"  plain SQL {plain.rate:7.0f} transitions/s   p95 {plain_p95 * 1000:7.1f} ms\n"
                f"  ratio HTTP/plain: throughput {run.rate / plain.rate:.2f}x, "
                f"p95 {p95 / plain_p95:.1f}x"
            )
            print(
                f"  target ≥ {TARGET_RATE:.0f} transitions/s: {_mark(run.rate >= TARGET_RATE)}"
                f"; target p95 ≤ {TARGET_P95 * 1000:.0f} ms: {_mark(p95 <= TARGET_P95)}"
            )
            http_p50, _, http_p99 = support.percentiles(run.all)
            result.update(
                transitions_per_s=support.rounded(run.rate, 1),
                plain_sql_per_s=support.rounded(plain.rate, 1),
                transitions_per_s_over_plain_sql=support.rounded(run.rate / plain.rate, 4),
                p95_ms=support.rounded(p95 * 1000),
                p50_ms=support.rounded(http_p50 * 1000),
                p99_ms=support.rounded(http_p99 * 1000),
                plain_sql_p95_ms=support.rounded(plain_p95 * 1000),
                p95_over_plain_sql_p95=support.rounded(p95 / plain_p95),
                server_cpu_ms_per_transition=support.rounded(server_cpu * 1000 / len(run.all)),
                audit_lock_held=support.rounded(
                    sampler.lock_held / sampler.samples if sampler.samples else None
                ),
            )
        else:
            print("  no complete figures: see the failures above")
        result["failed_chains"] = len(run.failures)
    except Exception as error:
        print(f"benchmark stopped: {type(error).__name__}: {error}")
        result["error"] = f"{type(error).__name__}: {error}"
        if server is not None:
            print(f"server log (last lines):\n{server.tail()}")
    finally:
        if server is not None:
            server.stop()
        await delete_streams(args.nats_url, namespace)
        if args.keep:
            print(f"kept database {name} ({dsn}); scratch {scratch}")
        else:
            with contextlib.suppress(Exception):
                await drop_database(admin_dsn, name)
            shutil.rmtree(scratch, ignore_errors=True)
    support.print_result(result)


if __name__ == "__main__":
    asyncio.run(main())
