"""Directory geosearch: nearest 20 within 2 km with a category and a language, HTTP vs raw SQL.

For each size it creates `harbour_bench_dir_<size>`, migrates it, bulk-loads synthetic rows
(`bench/synthetic.py`), starts `harbour-directory serve` (one uvicorn worker) against it
and runs the same query mix two ways, sequentially, after a warm-up:

- HTTP: `GET /service_at_locations?lat&lng&radius=2000&category&language&per_page=20` through one
  pooled aiohttp session;
- raw: the very SQL the endpoint runs (`search.repository.postgres_query`), on one asyncpg
  connection: the floor the service stands on.

Then the same mix with `order=travel` over HTTP, and the travel-time work alone in this process:
the origin, ranking a full pool (the 200 nearest rows within three times the radius, read
beforehand) and the trips of the page of 20. Its p95 is `travel_order_extra_p95_ms` on the
closing `RESULT {json}` line, with the headline figures of the largest size.

It prints p50/p95/p99, the HTTP/raw p95 ratio, sequential requests/s, the average page and match
counts, `EXPLAIN (ANALYZE, BUFFERS)` of one query, searches/s from 8 concurrent HTTP clients, and a
summary against the targets of /work/shared/PERFORMANCE.md. It reports; it never fails on a
missed target. `--variants` also measures index and planner variants in the benchmark database.

    .venv/bin/python bench/directory.py --quick            # 10k rows, 100 requests, < 2 minutes
    .venv/bin/python bench/directory.py --sizes 10000,100000,1000000 --requests 300
    .venv/bin/python bench/directory.py --sizes 1000000 --variants --keep
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from bench.synthetic import TOP_LEVEL, load_postgres
from harbour_directory.geo.gazetteer import DISTRICTS
from harbour_directory.main import MIGRATIONS
from harbour_directory.search.repository import Filters, Hit, Near, postgres_query
from harbour_directory.travel import ranking
from harbour_directory.travel.trips import Origin
from harbour_kit.migrations import upgrade

RADIUS = 2000.0
PER_PAGE = 20
WARMUP = 20
LANGUAGES = ("ur", "bn", "fr", "yue")
QUERY_SIGMA_METRES = 1000.0
CLIENTS = 8
THROUGHPUT_SECONDS = 5.0
PLAN_LINES = 22
TARGET_SIZE = 1_000_000
TARGET_P95_MS = 20.0
TARGET_RATIO = 3.0

# Variants tried with --variants, one after another on the benchmark database, each undone
# before the next: (label, setup, undo). `jit` is set per database, so it reaches the server's
# connections because every measurement starts its own server. CLUSTER rewrites the table in
# the order of the GiST index (nearby points on nearby pages); it is last and not undone.
COMPOSITE = (
    "CREATE INDEX bench_geog_tags ON service_point USING gist (geog, tags gist_trgm_ops(siglen=64))"
)
VARIANTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("jit off", ("ALTER DATABASE {db} SET jit = off",), ("ALTER DATABASE {db} RESET jit",)),
    (
        "+ GIN trgm(tags)",
        ("CREATE INDEX bench_tags_trgm ON service_point USING gin (tags gin_trgm_ops)",),
        ("DROP INDEX bench_tags_trgm",),
    ),
    ("+ GiST(geog, tags trgm)", (COMPOSITE,), ("DROP INDEX bench_geog_tags",)),
    (
        "+ GiST(geog, tags trgm), clustered",
        ("CLUSTER service_point USING ix_service_point_geog", COMPOSITE),
        ("DROP INDEX bench_geog_tags",),
    ),
)


@dataclass(frozen=True, slots=True)
class Query:
    """One search of the mix."""

    lat: float
    lng: float
    category: str
    language: str

    def http_params(self) -> dict[str, str]:
        return {
            "lat": f"{self.lat:.6f}",
            "lng": f"{self.lng:.6f}",
            "radius": f"{RADIUS:g}",
            "category": self.category,
            "language": self.language,
            "per_page": str(PER_PAGE),
        }

    def sql(self) -> tuple[str, list[Any]]:
        filters = Filters(any_tags=((f"cat:{self.category}",), (f"lang:{self.language}",)))
        text, params = postgres_query(filters, Near(self.lat, self.lng, RADIUS), PER_PAGE, 0)
        return numbered(text, params)


@dataclass(slots=True)
class Run:
    """Latencies (seconds) of one sequential pass, with page sizes and match totals."""

    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    elapsed: float = 0.0

    def percentile(self, p: int) -> float:
        cut = statistics.quantiles(sorted(self.latencies), n=100, method="inclusive")
        return cut[p - 1] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


@dataclass(slots=True)
class Figures:
    """What one size (or one variant of it) measured."""

    label: str
    size: int
    http: Run
    raw: Run
    http_rate: float = 0.0
    raw_rate: float = 0.0
    load_seconds: float = 0.0
    travel_http: Run | None = None  # the mix with order=travel
    travel_work: Run | None = None  # the travel-time work alone, in process

    @property
    def ratio(self) -> float:
        return self.http.percentile(95) / self.raw.percentile(95)


def numbered(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """`:name` parameters (SQLAlchemy text) as asyncpg's `$1..$n`, with the values in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", number, sql)
    return text, [params[name] for name in names]


def queries(count: int, *, seed: int = 11) -> list[Query]:
    """Points near district centres (sigma 1 km), a random top-level category and a language."""
    rng = random.Random(seed)  # noqa: S311 - a fixed query mix, not secrets
    districts = list(DISTRICTS.values())
    out = []
    for _ in range(count):
        district = rng.choice(districts)
        out.append(
            Query(
                # rounded as the HTTP query string carries them, so both paths ask the same
                lat=round(rng.gauss(district.lat, QUERY_SIGMA_METRES / 110_574.0), 6),
                lng=round(rng.gauss(district.lng, QUERY_SIGMA_METRES / 102_950.0), 6),
                category=rng.choice(TOP_LEVEL),
                language=rng.choice(LANGUAGES),
            )
        )
    return out


# --- databases -----------------------------------------------------------------------------


def database_name(size: int) -> str:
    return f"harbour_bench_dir_{size}"


async def recreate_database(server: str, name: str) -> None:
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(server: str, name: str) -> None:
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def prepare(server: str, size: int) -> float:
    """Creates, migrates and fills the database of one size; returns the load time."""
    name = database_name(size)
    await recreate_database(server, name)
    host = server.removeprefix("postgresql://")
    await asyncio.to_thread(upgrade, MIGRATIONS, f"postgresql+asyncpg://{host}/{name}")
    started = time.perf_counter()
    await load_postgres(f"{server}/{name}", size)
    return time.perf_counter() - started


# --- the service under test ----------------------------------------------------------------


class DirectoryServer:
    """`harbour-directory serve` in a subprocess, on a free port, with its own event namespace."""

    def __init__(self, database_url: str, nats_url: str, scratch: Path) -> None:
        self.database_url = database_url
        self.nats_url = nats_url
        self.scratch = scratch
        self.namespace = "bench" + uuid.uuid4().hex[:8]
        self.port = support.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = scratch / f"directory-{self.port}.log"
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    async def start(self, session: aiohttp.ClientSession, wait_seconds: float = 90.0) -> None:
        executable = Path(sys.executable).with_name("harbour-directory")
        command = str(executable) if executable.exists() else shutil.which("harbour-directory")
        if command is None:
            raise RuntimeError("harbour-directory is not installed in this environment")
        env = {
            **os.environ,
            "DIRECTORY_DATABASE_URL": self.database_url,
            "DIRECTORY_PORT": str(self.port),
            "HARBOUR_NATS_URL": self.nats_url,
            "HARBOUR_EVENTS_NAMESPACE": self.namespace,
            "HARBOUR_DATA_DIR": str(self.scratch),
        }
        self._log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            command, "serve", env=env, cwd=self.scratch, stdout=self._log, stderr=self._log
        )
        deadline = time.perf_counter() + wait_seconds
        while time.perf_counter() < deadline:
            if self.process.returncode is not None:
                raise RuntimeError(f"the directory exited:\n{self.log_tail()}")
            try:
                async with session.get(f"{self.base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(
            f"the directory was not ready in {wait_seconds:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        await self._drop_streams()

    async def _drop_streams(self) -> None:
        """Removes the JetStream streams this namespace created on the shared server."""
        import nats

        try:
            client = await nats.connect(self.nats_url, connect_timeout=2, max_reconnect_attempts=0)
        except Exception:
            return
        try:
            js = client.jetstream()
            prefix = self.namespace.upper() + "_"
            for info in await js.streams_info():
                if info.config.name and info.config.name.startswith(prefix):
                    await js.delete_stream(info.config.name)
        except Exception as exc:  # tidying only; the figures stand
            print(f"  (could not remove streams of {self.namespace}: {exc!r})")
        finally:
            await client.close()


# --- measuring -----------------------------------------------------------------------------


async def http_pass(
    session: aiohttp.ClientSession,
    base: str,
    mix: Sequence[Query],
    warmup: int = WARMUP,
    extra: dict[str, str] | None = None,
) -> Run:
    url = f"{base}/service_at_locations"
    for query in mix[:warmup]:
        async with session.get(url, params={**query.http_params(), **(extra or {})}) as response:
            await response.read()
    run = Run()
    started = time.perf_counter()
    for query in mix:
        t0 = time.perf_counter()
        async with session.get(url, params={**query.http_params(), **(extra or {})}) as response:
            body = await response.read()
            status = response.status
        run.latencies.append(time.perf_counter() - t0)
        if status != 200:
            raise RuntimeError(f"HTTP {status} for {query}: {body[:300]!r}")
        page = orjson.loads(body)
        run.sizes.append(len(page["contents"]))
        run.totals.append(int(page["total_items"]))
    run.elapsed = time.perf_counter() - started
    return run


async def travel_pass(dsn: str, mix: Sequence[Query], warmup: int = WARMUP) -> Run:
    """The travel-time work of each search, timed alone: origin, ranking a full pool, page trips.

    The pool is the 200 nearest rows within three times the radius whatever their tags, so each
    search ranks as many candidates as a travel-time search ever does.
    """
    connection = await search_connection(dsn)
    pools: list[list[Hit]] = []
    try:
        for query in mix:
            near = ranking.wider(Near(query.lat, query.lng, RADIUS))
            sql, args = numbered(*postgres_query(Filters(), near, ranking.POOL, pool=True))
            rows = await connection.fetch(sql, *args)
            pools.append(
                [
                    Hit(r["id"], {}, float(r["distance"]), lat=r["latitude"], lng=r["longitude"])
                    for r in rows
                    if r["id"] is not None
                ]
            )
    finally:
        await connection.close()

    def once(query: Query, pool: list[Hit]) -> int:
        origin = Origin(query.lat, query.lng)
        ranked = ranking.rank(origin, pool, RADIUS)
        for hit in ranked[:PER_PAGE]:
            ranking.fields(origin, hit, "en")
        return len(ranked)

    for query, pool in zip(mix[:warmup], pools[:warmup], strict=True):
        once(query, pool)
    run = Run()
    started = time.perf_counter()
    for query, pool in zip(mix, pools, strict=True):
        t0 = time.perf_counter()
        kept = once(query, pool)
        run.latencies.append(time.perf_counter() - t0)
        run.sizes.append(len(pool))
        run.totals.append(kept)
    run.elapsed = time.perf_counter() - started
    return run


async def search_connection(dsn: str) -> asyncpg.Connection:
    """A connection with the planner settings the directory uses for a search."""
    connection = await asyncpg.connect(dsn)
    await connection.execute("SET enable_bitmapscan = off; SET jit = off")
    return connection


async def raw_pass(dsn: str, mix: Sequence[Query], warmup: int = WARMUP) -> Run:
    connection = await search_connection(dsn)
    try:
        for query in mix[:warmup]:
            sql, args = query.sql()
            await connection.fetch(sql, *args)
        run = Run()
        started = time.perf_counter()
        for query in mix:
            sql, args = query.sql()
            t0 = time.perf_counter()
            rows = await connection.fetch(sql, *args)
            run.latencies.append(time.perf_counter() - t0)
            run.sizes.append(sum(1 for row in rows if row["id"] is not None))
            run.totals.append(int(rows[0]["total"]) if rows else 0)
        run.elapsed = time.perf_counter() - started
        return run
    finally:
        await connection.close()


async def http_throughput(
    session: aiohttp.ClientSession, base: str, mix: Sequence[Query], clients: int, seconds: float
) -> float:
    """Searches/s from `clients` concurrent loops over the mix for `seconds`."""
    url = f"{base}/service_at_locations"
    done = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client(start: int) -> None:
        nonlocal done
        i = start
        while time.perf_counter() < deadline:
            async with session.get(url, params=mix[i % len(mix)].http_params()) as response:
                await response.read()
                if response.status == 200:
                    done += 1
            i += clients

    await asyncio.gather(*(client(k) for k in range(clients)))
    return done / (time.perf_counter() - started)


async def raw_throughput(dsn: str, mix: Sequence[Query], clients: int, seconds: float) -> float:
    """Searches/s of the raw SQL from `clients` connections (the baseline for the HTTP figure)."""
    connections = [await search_connection(dsn) for _ in range(clients)]
    done = 0
    try:
        for connection in connections:  # prepare the statement on each
            sql, args = mix[0].sql()
            await connection.fetch(sql, *args)
        started = time.perf_counter()
        deadline = started + seconds

        async def client(connection: asyncpg.Connection, start: int) -> None:
            nonlocal done
            i = start
            while time.perf_counter() < deadline:
                sql, args = mix[i % len(mix)].sql()
                await connection.fetch(sql, *args)
                done += 1
                i += clients

        await asyncio.gather(*(client(c, k) for k, c in enumerate(connections)))
        return done / (time.perf_counter() - started)
    finally:
        for connection in connections:
            await connection.close()


async def explain(dsn: str, query: Query) -> list[str]:
    connection = await search_connection(dsn)
    try:
        sql, args = query.sql()
        for _ in range(3):  # warm, as the passes were
            await connection.fetch(sql, *args)
        rows = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
        return [row[0] for row in rows]
    finally:
        await connection.close()


# --- reporting -----------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:7.1f}"


def print_figures(figures: Figures) -> None:
    http, raw = figures.http, figures.raw
    print(
        f"  HTTP  n={len(http.latencies):<4} p50={ms(http.percentile(50))} ms"
        f"  p95={ms(http.percentile(95))} ms  p99={ms(http.percentile(99))} ms"
        f"  {http.rate:6.0f} req/s sequential"
    )
    print(
        f"  raw   n={len(raw.latencies):<4} p50={ms(raw.percentile(50))} ms"
        f"  p95={ms(raw.percentile(95))} ms  p99={ms(raw.percentile(99))} ms"
        f"  {raw.rate:6.0f} q/s sequential"
    )
    print(
        f"  HTTP p95 / raw p95 = {figures.ratio:.2f}x;"
        f"  results per page {statistics.mean(http.sizes):.1f}"
        f" (raw {statistics.mean(raw.sizes):.1f});"
        f"  matches per search {statistics.mean(http.totals):.0f} (max {max(http.totals)})"
    )
    http_pages = list(zip(http.sizes, http.totals, strict=True))
    raw_pages = list(zip(raw.sizes, raw.totals, strict=True))
    differ = sum(h != r for h, r in zip(http_pages, raw_pages, strict=True))
    if differ:
        print(f"  WARNING: HTTP and raw disagree on the page size or total of {differ} searches")


def print_travel(figures: Figures) -> None:
    travel, work = figures.travel_http, figures.travel_work
    if travel is None or work is None:
        return
    print(
        f"  HTTP, order=travel  p50={ms(travel.percentile(50))} ms"
        f"  p95={ms(travel.percentile(95))} ms  p99={ms(travel.percentile(99))} ms"
        f"  (results per page {statistics.mean(travel.sizes):.1f})"
    )
    print(
        f"  travel-time work alone (origin, rank {statistics.mean(work.sizes):.0f} candidates,"
        f" {PER_PAGE} trips in words): p50={work.percentile(50):.2f} ms"
        f"  p95={work.percentile(95):.2f} ms  p99={work.percentile(99):.2f} ms;"
        f" kept {statistics.mean(work.totals):.0f} on average"
    )


def result_line(results: list[Figures], requests: int, where: str) -> str:
    """`RESULT {json}`: the headline figures of the largest size, as migrated."""
    f = max((f for f in results if f.travel_work is not None), key=lambda f: f.size)
    travel, work = f.travel_http, f.travel_work
    assert travel is not None and work is not None
    figures = {
        "rows": f.size,
        "requests": requests,
        "http_p50_ms": round(f.http.percentile(50), 2),
        "http_p95_ms": round(f.http.percentile(95), 2),
        "http_p99_ms": round(f.http.percentile(99), 2),
        "raw_p95_ms": round(f.raw.percentile(95), 2),
        "http_raw_p95_ratio": round(f.ratio, 2),
        "http_p95_over_raw_p95": round(f.ratio, 2),  # the name the other RESULT lines follow
        "searches_per_s_8_clients": round(f.http_rate, 1),
        "travel_order_http_p95_ms": round(travel.percentile(95), 2),
        "travel_order_extra_p95_ms": round(work.percentile(95), 3),
        "travel_pool_mean": round(statistics.mean(work.sizes), 1),
        "where": where,
    }
    return "RESULT " + orjson.dumps(figures).decode()


def print_plan(lines: list[str]) -> None:
    print("  EXPLAIN (ANALYZE, BUFFERS), first query of the mix:")
    shown = lines[:PLAN_LINES]
    shown += [
        line
        for line in lines[PLAN_LINES:]
        if re.match(r"\s*(Planning Time|Execution Time|JIT:|Timing:|Options:)", line)
    ]
    for line in shown:
        print("    " + line)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_summary(results: list[Figures], requests: int) -> None:
    print()
    print(f"Summary ({requests} sequential requests per size; times in ms)")
    header = (
        f"| {'rows':>9} | {'variant':<34} | {'HTTP p50':>8} | {'HTTP p95':>8} | {'HTTP p99':>8}"
        f" | {'raw p50':>7} | {'raw p95':>7} | {'ratio':>5} | {'req/s':>5} | {'8 clients/s':>11}"
        f" | {'raw 8 conn/s':>12} | {'results':>7} | {'matches':>7} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for f in results:
        print(
            f"| {f.size:>9,} | {f.label:<34} | {f.http.percentile(50):8.1f}"
            f" | {f.http.percentile(95):8.1f} | {f.http.percentile(99):8.1f}"
            f" | {f.raw.percentile(50):7.1f} | {f.raw.percentile(95):7.1f} | {f.ratio:5.2f}"
            f" | {f.http.rate:5.0f} | {f.http_rate:11.0f} | {f.raw_rate:12.0f}"
            f" | {statistics.mean(f.http.sizes):7.1f} | {statistics.mean(f.http.totals):7.0f} |"
        )
    print()
    print(
        f"Targets (PERFORMANCE.md: directory nearest-20 at {TARGET_SIZE:,} locations,"
        f" HTTP p95 <= {TARGET_P95_MS:g} ms and <= {TARGET_RATIO:g}x raw PostGIS in the same run)"
    )
    at_target = [f for f in results if f.size == TARGET_SIZE]
    if not at_target:
        largest = max(f.size for f in results)
        at_target = [f for f in results if f.size == largest]
        print(f"  (no {TARGET_SIZE:,}-row run: shown at {largest:,} rows, for orientation only)")
    for f in at_target:
        p95 = f.http.percentile(95)
        print(
            f"  {f.size:>9,} {f.label:<34} HTTP p95 {p95:6.1f} ms <= {TARGET_P95_MS:g} ms:"
            f" {verdict(p95 <= TARGET_P95_MS):<7}   ratio {f.ratio:4.2f}x <= {TARGET_RATIO:g}x:"
            f" {verdict(f.ratio <= TARGET_RATIO)}"
        )


# --- the run -------------------------------------------------------------------------------


async def measure(
    label: str,
    size: int,
    dsn: str,
    url: str,
    args: argparse.Namespace,
    mix: list[Query],
    scratch: Path,
    session: aiohttp.ClientSession,
    *,
    plan: bool,
    travel: bool = False,
) -> Figures:
    server = DirectoryServer(url, args.nats, scratch)
    await server.start(session)
    try:
        http = await http_pass(session, server.base, mix)
        raw = await raw_pass(dsn, mix)
        figures = Figures(label, size, http, raw)
        print_figures(figures)
        if travel:
            figures.travel_http = await http_pass(
                session, server.base, mix, extra={"order": "travel"}
            )
            figures.travel_work = await travel_pass(dsn, mix)
            print_travel(figures)
        if plan:
            print_plan(await explain(dsn, mix[0]))
        figures.http_rate = await http_throughput(session, server.base, mix, CLIENTS, args.seconds)
        figures.raw_rate = await raw_throughput(dsn, mix, CLIENTS, args.seconds)
        print(
            f"  throughput, {CLIENTS} concurrent clients for {args.seconds:g} s:"
            f" HTTP {figures.http_rate:.0f} searches/s; raw SQL on {CLIENTS} connections"
            f" {figures.raw_rate:.0f} searches/s"
        )
        return figures
    finally:
        await server.stop()


async def run_size(
    size: int,
    args: argparse.Namespace,
    mix: list[Query],
    scratch: Path,
    session: aiohttp.ClientSession,
) -> list[Figures]:
    name = database_name(size)
    dsn = f"{args.postgres}/{name}"
    url = f"postgresql+asyncpg://{args.postgres.removeprefix('postgresql://')}/{name}"
    print(f"\n== {size:,} rows (database {name})")
    load_seconds = await prepare(args.postgres, size)
    print(f"  loaded and indexed {size:,} rows in {load_seconds:.1f} s")
    results: list[Figures] = []
    try:
        figures = await measure(
            "as migrated", size, dsn, url, args, mix, scratch, session, plan=True, travel=True
        )
        figures.load_seconds = load_seconds
        results.append(figures)
        if args.variants:
            admin = await asyncpg.connect(dsn)
            try:
                for label, setup, undo in VARIANTS:
                    print(f"  -- variant: {label}")
                    started = time.perf_counter()
                    await admin.execute("SET maintenance_work_mem = '512MB'")
                    for statement in setup:
                        await admin.execute(statement.format(db=f'"{name}"'))
                    await admin.execute("ANALYZE service_point")
                    print(f"  (set up in {time.perf_counter() - started:.1f} s)")
                    try:
                        results.append(
                            await measure(
                                label, size, dsn, url, args, mix, scratch, session, plan=True
                            )
                        )
                    finally:
                        for statement in undo:
                            await admin.execute(statement.format(db=f'"{name}"'))
            finally:
                await admin.close()
    finally:
        if args.keep:
            print(f"  kept database {name}")
        else:
            await drop_database(args.postgres, name)
    return results


async def main() -> None:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="rows, comma-separated")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per pass")
    parser.add_argument("--quick", action="store_true", help="10k rows, 100 requests")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument(
        "--variants", action="store_true", help="also measure index/planner variants per size"
    )
    parser.add_argument("--seconds", type=float, default=THROUGHPUT_SECONDS)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HARBOUR_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
        help="server URL without a database",
    )
    parser.add_argument(
        "--nats", default=os.environ.get("HARBOUR_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = parser.parse_args()
    args.postgres = args.postgres.rstrip("/")
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    requests = 100 if args.quick else args.requests
    if args.quick:
        args.seconds = min(args.seconds, 3.0)
    mix = queries(requests)
    print(
        f"nearest {PER_PAGE} within {RADIUS:g} m, one category + one language"
        f" ({', '.join(LANGUAGES)}); {requests} requests after {WARMUP} warm-up; sizes"
        f" {', '.join(f'{s:,}' for s in sizes)}"
    )
    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-directory-"))
    results: list[Figures] = []
    try:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CLIENTS * 2),
            timeout=aiohttp.ClientTimeout(total=60),
        ) as session:
            for size in sizes:
                results += await run_size(size, args, mix, scratch, session)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if results:
        print_summary(results, requests)
        where = (
            "directory: 1 harbour-directory serve process, 1 uvicorn worker;"
            f" PostgreSQL {support.place(args.postgres)}; NATS {support.place(args.nats)};"
            " HTTP client, raw-SQL baseline (asyncpg) and travel-time work in the bench process"
        )
        print(result_line(results, requests, where))


if __name__ == "__main__":
    asyncio.run(main())
