"""Gateway overhead: `nearbyServices` and `inbox` through GraphQL vs the services' own endpoints.

Makes two PostgreSQL databases (`harbour_bench_gw_dir_*`, migrated and filled with `--rows`
synthetic service-at-locations by `bench/synthetic.py`; `harbour_bench_gw_ref_*`,
migrated), starts `harbour-directory serve` and `harbour-referrals serve` (one uvicorn worker
each) and `harbour-gateway serve` (`GATEWAY_WORKERS`, 2 by default) on loopback, with one events
namespace on `HARBOUR_NATS_URL` and a JWT key pair of the run. Then, in the same run, through one
pooled aiohttp session:

- search: the query mix of `bench/directory.py` (points near district centres, radius 2000 m,
  one top-level category, one language, 20 per page) as `GET /service_at_locations` on the
  directory (with exactly the parameters the gateway sends) and as the GraphQL `nearbyServices`
  query returning the same 20 results with five fields each; sequentially, the two paths
  alternating query by query (so noise falls on both), then 8 concurrent clients per path;
- inbox: 50 referrals sent to one partner service (set up over the referrals HTTP API once the
  directory's service events reached referrals), then GraphQL `inbox(first: 50)` with service and
  organisation fields against `GET /referrals?box=inbox&limit=50`, and against the three calls
  the gateway makes for it, made directly (referrals, then services and organisations by id).

It prints p50/p95/p99, requests/s, CPU per request of each server process, and the ratios against
the targets of /work/shared/PERFORMANCE.md (gateway p95 <= 1.5x direct; >= 300 searches/s). It
reports; it never fails on a figure. It stops its processes and drops its databases and streams
(unless `--keep`). `--profile` also runs one gateway worker under cProfile for the search load
and prints where its CPU goes. The last line is `RESULT {json}`: the headline ratios and CPU per
request, and what ran where.

    .venv/bin/python bench/gateway.py --quick          # ~35 s
    .venv/bin/python bench/gateway.py [--rows 10000] [--requests 300] [--seconds 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from bench.directory import Query, queries
from bench.referrals import DETAILS, NEEDS, call, delete_streams
from bench.scale import Replica, start_replica, stop_all, wait_ready
from bench.synthetic import load_postgres
from harbour_directory.main import MIGRATIONS as DIRECTORY_MIGRATIONS
from harbour_gateway.schema.directory import ServiceFilter, search_params
from harbour_kit.auth import mint_token
from harbour_kit.crypto import generate_key_setting
from harbour_kit.keys import ensure_keypair
from harbour_kit.migrations import upgrade
from harbour_referrals.main import MIGRATIONS as REFERRALS_MIGRATIONS
from tests.sample import CLAIM_ADVICE, LEGAL_CLINIC, SMALL

PREFIX = "harbour_bench_gw_"
REFERRER_ORG = "org-bench-referrer"
RADIUS = 2000.0
PER_PAGE = 20
LOCALE = "en"
CLIENTS = 8
WARMUP = 20
TARGET_RATIO, TARGET_RATE = 1.5, 300.0  # /work/shared/PERFORMANCE.md

SEARCH = """
query Nearby($lat: Float!, $lng: Float!, $category: String!, $language: String!) {
  nearbyServices(lat: $lat, lng: $lng, radius: 2000, first: 20, locale: "en",
                 filter: {categories: [$category], languages: [$language]}) {
    __typename
    ... on NearbyServiceConnection {
      totalCount
      edges { node { id distance languages place { name } service { name } } }
    }
  }
}
"""
INBOX = """
query Inbox {
  inbox(first: 50) {
    pageInfo { hasNextPage endCursor }
    edges { node {
      id reference status urgency createdAt
      service { name acceptingReferrals organization { name } }
      recipientOrganization { name }
      referrerOrganization { name }
    } }
  }
}
"""
# One gateway worker under cProfile, stopped by SIGTERM. uvicorn re-raises the signal once it
# has shut down; a no-op handler lets main() return so that cProfile writes its file.
PROFILED = (
    "import cProfile, signal, sys\n"
    "signal.signal(signal.SIGTERM, lambda *_: None)\n"
    "from harbour_gateway.main import main\n"
    "out = sys.argv[1]\n"
    "sys.argv = ['harbour-gateway', 'serve']\n"
    "cProfile.run('main()', out)\n"
)


# --- figures -------------------------------------------------------------------------------


@dataclass
class Timings:
    """Latencies (seconds) of one path, with the wall time they took and failures."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    failures: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # process → CPU seconds in the phase
    sizes: list[int] = field(default_factory=list)  # items per answer (sequential passes)

    def ms(self, q: int) -> float:
        values = sorted(self.latencies)
        if len(values) < 2:
            return values[0] * 1000 if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def cpu_ms(self, process: str) -> float:
        """CPU milliseconds of `process` per completed request."""
        n = len(self.latencies)
        return self.cpu.get(process, 0.0) * 1000 / n if n else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A process and its children (uvicorn's worker processes)."""
    pids = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


class Meter:
    """CPU seconds of the server processes and of this load client over one phase."""

    def __init__(self, servers: dict[str, Replica]) -> None:
        self.servers = servers

    def read(self) -> dict[str, float]:
        out = {
            name: sum(cpu_seconds(p) for p in family(r.process.pid))
            for name, r in self.servers.items()
        }
        out["client"] = time.process_time()
        return out

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: after[k] - before[k] for k in after}


# --- requests ------------------------------------------------------------------------------

Request = Callable[[int], Awaitable[object]]


def direct_params(query: Query) -> dict[str, str]:
    """The directory's parameters exactly as the gateway builds them for `SEARCH`."""
    params = search_params(
        near=None,
        lat=query.lat,
        lng=query.lng,
        radius=RADIUS,
        filter=ServiceFilter(categories=[query.category], languages=[query.language]),
        locale=LOCALE,
    )
    params.update(page="1", per_page=str(PER_PAGE))
    return params


class Paths:
    """The requests under test, each returning what it found (ids) for the cross-check."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        directory: str,
        referrals: str,
        gateway: str,
        partner: dict[str, str],
    ) -> None:
        self.http = http
        self.directory, self.referrals, self.gateway = directory, referrals, gateway
        self.partner = partner

    async def _get(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        async with self.http.get(url, params=params, headers=headers) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
        return orjson.loads(body)

    async def _graphql(
        self, document: str, variables: dict[str, Any], headers: dict[str, str]
    ) -> Any:
        payload = orjson.dumps({"query": document, "variables": variables})
        sent = {"content-type": "application/json", **headers}
        async with self.http.post(self.gateway, data=payload, headers=sent) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"POST /graphql: {response.status} {body[:300]!r}")
        answer = orjson.loads(body)
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    async def direct_search(self, query: Query) -> list[str]:
        page = await self._get(f"{self.directory}/service_at_locations", direct_params(query), {})
        return [item["id"] for item in page["contents"]]

    async def gateway_search(self, query: Query) -> list[str]:
        variables = {
            "lat": query.lat,
            "lng": query.lng,
            "category": query.category,
            "language": query.language,
        }
        data = (await self._graphql(SEARCH, variables, {}))["nearbyServices"]
        if data["__typename"] != "NearbyServiceConnection":
            raise RuntimeError(f"search answered {data}")
        return [edge["node"]["id"] for edge in data["edges"]]

    async def direct_inbox(self) -> list[str]:
        params = {"box": "inbox", "limit": "50"}
        data = await self._get(f"{self.referrals}/referrals", params, self.partner)
        return [item["id"] for item in data["items"]]

    async def composed_inbox(self) -> list[str]:
        """The gateway's three downstream calls for `INBOX`, made directly and in its order."""
        params = {"box": "inbox", "limit": "50"}
        data = await self._get(f"{self.referrals}/referrals", params, self.partner)
        items = data["items"]
        services = sorted({r["service_id"] for r in items})
        orgs = sorted(
            {r["recipient_organization_id"] for r in items}
            | {r["referrer_organization_id"] for r in items}
        )

        def by_ids(ids: list[str]) -> dict[str, str]:
            return {"ids": ",".join(ids), "per_page": str(len(ids)), "locale": LOCALE}

        await asyncio.gather(
            self._get(f"{self.directory}/services", by_ids(services), self.partner),
            self._get(f"{self.directory}/organizations", by_ids(orgs), self.partner),
        )
        return [r["id"] for r in items]

    async def gateway_inbox(self) -> list[str]:
        data = (await self._graphql(INBOX, {}, self.partner))["inbox"]
        return [edge["node"]["id"] for edge in data["edges"]]


async def sequential(
    paths: dict[str, Request], count: int, warmup: int = WARMUP
) -> tuple[dict[str, Timings], int]:
    """Each request `count` times, the paths alternating per index; returns also disagreements."""
    names = list(paths)
    for i in range(warmup):
        for name in names:
            await paths[name](i)
    timings = {name: Timings() for name in names}
    disagree = 0
    started = time.perf_counter()
    for i in range(count):
        found: dict[str, object] = {}
        # Alternate which path goes first, so neither always meets a just-warmed server.
        for name in names if i % 2 == 0 else reversed(names):
            t0 = time.perf_counter()
            found[name] = answer = await paths[name](i)
            timings[name].latencies.append(time.perf_counter() - t0)
            if isinstance(answer, list):
                timings[name].sizes.append(len(answer))
        disagree += len({orjson.dumps(v) for v in found.values()}) > 1
    wall = time.perf_counter() - started
    for t in timings.values():
        t.wall = wall / len(names)  # each path's share of the interleaved pass
    return timings, disagree


async def concurrent(
    request: Request, clients: int, seconds: float, meter: Meter, offset: int = 0
) -> Timings:
    """`clients` loops calling `request` for `seconds`; latencies, rate and CPU per process."""
    timings = Timings()
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        i = offset + k
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                await request(i)
            except (RuntimeError, aiohttp.ClientError, TimeoutError):
                timings.failures += 1
            else:
                timings.latencies.append(time.perf_counter() - t0)
            i += clients

    before = meter.read()
    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    timings.wall = time.perf_counter() - started
    timings.cpu = Meter.delta(before, meter.read())
    return timings


# --- set-up --------------------------------------------------------------------------------


async def start_gateway(
    env: dict[str, str], scratch: Path, http: aiohttp.ClientSession, profile_to: Path | None
) -> Replica:
    """`harbour-gateway serve` (or one worker under cProfile); ready once /healthz answers."""
    if profile_to is None:
        replica = await start_replica("gateway", env, scratch)
    else:
        port = support.free_port()
        log = (scratch / f"gateway-profiled-{port}.log").open("wb")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            PROFILED,
            str(profile_to),
            env={**os.environ, **env, "GATEWAY_PORT": str(port), "GATEWAY_WORKERS": "1"},
            cwd=scratch,
            stdout=log,
            stderr=log,
        )
        replica = Replica("gateway", port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if replica.process.returncode is not None:
            raise RuntimeError(f"the gateway exited; see {scratch}")
        # /readyz would also ask the notifications service, which these queries never call.
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{replica.base}/healthz") as response:
                if response.status == 200:
                    return replica
        await asyncio.sleep(0.2)
    raise RuntimeError("the gateway was not ready in 60 s")


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {within:.0f} s")


async def fill_inbox(
    http: aiohttp.ClientSession,
    directory: str,
    referrals: str,
    admin: dict[str, str],
    worker: dict[str, str],
    count: int,
) -> None:
    """The sample partners in the directory, and `count` referrals sent to one of its services."""
    url = f"{directory}/import?kind=organization"
    async with http.post(url, json=SMALL, headers=admin) as response:
        if response.status != 200:
            raise RuntimeError(f"import: {response.status} {await response.text()}")

    async def known() -> bool:
        params = {"ids": CLAIM_ADVICE}
        async with http.get(f"{referrals}/targets", params=params, headers=worker) as response:
            return response.status == 200 and bool((await response.json())["items"])

    # The directory's outbox relay → JetStream → the referrals consumer's read model.
    await eventually(known, 60, "the service event reaching referrals")
    gate = asyncio.Semaphore(4)

    async def one() -> None:
        async with gate:
            claimant, _ = await call(
                http, f"{referrals}/claimants", "claimant", worker, DETAILS, 201
            )
            consent = {
                "claimant_id": claimant["id"],
                "purpose": "legal",
                "receiving_organization_ids": [LEGAL_CLINIC],
                "data_categories": ["identity", "contact", "languages", "needs"],
                "method": "verbal",
            }
            await call(http, f"{referrals}/consents", "consent", worker, consent, 201)
            body = {
                "claimant_id": claimant["id"],
                "service_id": CLAIM_ADVICE,
                "purpose": "legal",
                "needs_summary": NEEDS,
                "send": True,
            }
            await call(http, f"{referrals}/referrals", "referral", worker, body, 201)

    await asyncio.gather(*(one() for _ in range(count)))


# --- output --------------------------------------------------------------------------------


def row(label: str, t: Timings) -> str:
    return (
        f"  {label:<34} n={len(t.latencies):<5} p50 {t.ms(50):6.2f}  p95 {t.ms(95):6.2f}"
        f"  p99 {t.ms(99):6.2f} ms  {t.rate:6.0f} req/s"
        + (f"  ({t.failures} failed)" if t.failures else "")
    )


def cpu_row(label: str, t: Timings) -> str:
    parts = ", ".join(f"{k} {t.cpu_ms(k):.2f}" for k in t.cpu)
    return f"  {label:<34} CPU ms per request: {parts}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_profile(path: Path, top: int = 25) -> None:
    """Own CPU of the profiled gateway by package, then its busiest functions."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        by_package[package_of(filename)] += tottime
        total += tottime
    print(f"\n  cProfile of one gateway worker: {total:.1f} s own time, by package")
    for name, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:16]:
        print(f"    {name:<28} {seconds:6.2f} s  {seconds / total:5.1%}")
    print(f"  top {top} functions by own time")
    stats.sort_stats("tottime").print_stats(top)


def package_of(filename: str) -> str:
    """`strawberry`, `graphql`, `harbour_gateway`, `stdlib:asyncio`, … for a code path."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins/C"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for i, part in enumerate(parts):
        if part.startswith("harbour_"):
            return part
        if part.startswith("python3.") and i + 1 < len(parts):
            return "stdlib:" + parts[i + 1].removesuffix(".py")
    return filename


# --- the run -------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="synthetic search rows")
    parser.add_argument("--requests", type=int, default=300, help="sequential searches per path")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load phase")
    parser.add_argument("--rounds", type=int, default=2, help="direct/gateway load rounds")
    parser.add_argument("--referrals", type=int, default=50, help="referrals in the inbox")
    parser.add_argument("--inbox-requests", type=int, default=100, help="sequential inbox reads")
    parser.add_argument("--workers", type=int, default=2, help="gateway worker processes")
    parser.add_argument("--quick", action="store_true", help="~30 s: fewer requests, 2 s phases")
    parser.add_argument("--profile", action="store_true", help="cProfile one gateway worker")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "HARBOUR_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument(
        "--nats-url", default=os.environ.get("HARBOUR_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = parser.parse_args()
    if args.quick:
        args.requests, args.seconds, args.rounds, args.inbox_requests = 100, 2.0, 1, 40
    admin = args.admin_url.replace("postgresql+asyncpg://", "postgresql://")
    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-gateway-"))
    namespace = "benchgw" + uuid.uuid4().hex[:8]
    mix = queries(args.requests)
    print(
        f"gateway vs direct: {args.rows:,} rows, {args.requests} sequential searches per path,"
        f" {CLIENTS} clients x {args.seconds:g} s x {args.rounds} round(s), inbox of"
        f" {args.referrals}, gateway workers {args.workers}, {os.cpu_count()} CPUs"
    )
    names: list[str] = []
    replicas: list[Replica] = []
    started = time.perf_counter()
    # The closing RESULT line: null figures unless the measured phases complete.
    result: dict[str, Any] = {
        "gateway_cpu_ms_per_search": None,
        "search_per_s_over_direct": None,
        "inbox_p95_over_direct_calls": None,
        "rows": args.rows,
        "quick": args.quick,
        "where": (
            f"gateway: 1 harbour-gateway serve process with {args.workers} uvicorn workers;"
            " 1 harbour-directory serve and 1 harbour-referrals serve process, 1 uvicorn worker"
            f" each; PostgreSQL {support.place(admin)}; NATS {support.place(args.nats_url)};"
            " load client in the bench process"
        ),
    }
    try:
        names.append(await support.create_database(admin, PREFIX + "dir_"))
        names.append(await support.create_database(admin, PREFIX + "ref_"))
        base_url = admin.rpartition("/")[0]
        directory_db, referrals_db = (f"{base_url}/{n}" for n in names)
        await asyncio.to_thread(upgrade, DIRECTORY_MIGRATIONS, directory_db)
        await load_postgres(directory_db, args.rows)
        await asyncio.to_thread(upgrade, REFERRALS_MIGRATIONS, referrals_db)
        private_path, public_path = ensure_keypair(scratch / "keys")
        pem = private_path.read_text()

        def bearer(sub: str, org: str | None, role: str) -> dict[str, str]:
            token = mint_token(pem, sub=sub, org_id=org, roles=[role])
            return {"Authorization": f"Bearer {token}"}

        worker = bearer("worker-1", REFERRER_ORG, "social_worker")
        partner = bearer("partner-1", LEGAL_CLINIC, "partner_staff")
        network_admin = bearer("admin-1", None, "network_admin")
        shared = {
            "HARBOUR_NATS_URL": args.nats_url,
            "HARBOUR_EVENTS_NAMESPACE": namespace,
            "HARBOUR_JWT_PUBLIC_KEY_FILE": str(public_path),
            "HARBOUR_DATA_DIR": str(scratch),
        }
        connector = aiohttp.TCPConnector(limit=CLIENTS * 2)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            referrals = await start_replica(
                "referrals",
                {
                    **shared,
                    "REFERRALS_DATABASE_URL": referrals_db,
                    "REFERRALS_ENCRYPTION_KEYS": generate_key_setting("bench1"),
                },
                scratch,
            )
            replicas.append(referrals)
            directory = await start_replica(
                "directory", {**shared, "DIRECTORY_DATABASE_URL": directory_db}, scratch
            )
            replicas.append(directory)
            await wait_ready(http, referrals)
            await wait_ready(http, directory)
            gateway_env = {
                **shared,
                "GATEWAY_HOST": "127.0.0.1",
                "GATEWAY_DIRECTORY_URL": directory.base,
                "GATEWAY_REFERRALS_URL": referrals.base,
                # Nothing measured here calls notifications; an unused port keeps it out.
                "GATEWAY_NOTIFICATIONS_URL": f"http://127.0.0.1:{support.free_port()}",
                "GATEWAY_WORKERS": str(args.workers),
                # Anonymous search is rate-limited per address; the load comes from one.
                "GATEWAY_SEARCH_RATE_LIMIT": "1000000/minute",
            }
            gateway = await start_gateway(gateway_env, scratch, http, None)
            replicas.append(gateway)
            await fill_inbox(
                http, directory.base, referrals.base, network_admin, worker, args.referrals
            )
            print(f"  set up in {time.perf_counter() - started:.1f} s")
            paths = Paths(http, directory.base, referrals.base, f"{gateway.base}/graphql", partner)
            meter = Meter({"directory": directory, "referrals": referrals, "gateway": gateway})
            result.update(await run_phases(args, mix, paths, meter))
            if args.profile:
                await profile(args, mix, paths, gateway_env, scratch, http, replicas, gateway)
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        raise  # the traceback still goes to stderr; the RESULT line below still ends stdout
    finally:
        try:
            await stop_all(replicas)
            await delete_streams(args.nats_url, namespace)
            for name in names:
                if args.keep:
                    print(f"  kept database {name}")
                else:
                    await support.drop_database(admin, name, PREFIX)
            if not args.keep:
                import shutil

                shutil.rmtree(scratch, ignore_errors=True)
            print(f"\ndone in {time.perf_counter() - started:.0f} s")
        finally:
            support.print_result(result)


async def run_phases(
    args: argparse.Namespace, mix: Sequence[Query], paths: Paths, meter: Meter
) -> dict[str, Any]:
    """The search and inbox measurements, printed as they come; returns the RESULT figures."""

    def direct(i: int) -> Awaitable[list[str]]:
        return paths.direct_search(mix[i % len(mix)])

    def through(i: int) -> Awaitable[list[str]]:
        return paths.gateway_search(mix[i % len(mix)])

    # Both gateway workers warm (parser cache, pools) before the clock: concurrent warm-up.
    await concurrent(through, CLIENTS, 1.0, meter)
    await concurrent(direct, CLIENTS, 1.0, meter)
    print("\nsearch, sequential (paths alternating per query; ms)")
    seq, disagree = await sequential({"direct": direct, "gateway": through}, len(mix))
    print(row("directory GET /service_at_locations", seq["direct"]))
    print(row("gateway nearbyServices", seq["gateway"]))
    if disagree:
        print(f"  WARNING: the two paths returned different ids for {disagree} searches")
    sizes = seq["gateway"].sizes
    print(f"  results per page: mean {statistics.mean(sizes):.1f}, max {max(sizes)} (same ids)")
    print(f"\nsearch, {CLIENTS} concurrent clients, {args.seconds:g} s per phase")
    loads: dict[str, list[Timings]] = {"direct": [], "gateway": []}
    for r in range(args.rounds):
        for name, request in (("direct", direct), ("gateway", through)):
            t = await concurrent(request, CLIENTS, args.seconds, meter, offset=r * 997)
            loads[name].append(t)
            print(row(f"{name} (round {r + 1})", t))
            print(cpu_row("", t))

    print(f"\ninbox of {args.referrals}, sequential (paths alternating; ms)")
    inbox, disagree = await sequential(
        {
            "direct": lambda _: paths.direct_inbox(),
            "composed": lambda _: paths.composed_inbox(),
            "gateway": lambda _: paths.gateway_inbox(),
        },
        args.inbox_requests,
        warmup=5,
    )
    print(row("referrals GET /referrals?box=inbox", inbox["direct"]))
    print(row("the same + services, orgs by id", inbox["composed"]))
    print(row("gateway inbox(first: 50)", inbox["gateway"]))
    if disagree:
        print(f"  WARNING: the paths returned different referrals {disagree} times")
    inbox_load = {
        "direct": await concurrent(lambda _: paths.direct_inbox(), CLIENTS, args.seconds, meter),
        "gateway": await concurrent(lambda _: paths.gateway_inbox(), CLIENTS, args.seconds, meter),
    }
    print(f"  {CLIENTS} clients:")
    for name, t in inbox_load.items():
        print(row(name, t))
        print(cpu_row("", t))

    ratio = seq["gateway"].ms(95) / seq["direct"].ms(95)
    gw_rate = statistics.mean(t.rate for t in loads["gateway"])
    direct_rate = statistics.mean(t.rate for t in loads["direct"])
    print("\nSummary (same run; compare ratios, not absolute times)")
    print(
        f"  search sequential p50 {seq['direct'].ms(50):.2f} -> {seq['gateway'].ms(50):.2f} ms,"
        f" p95 {seq['direct'].ms(95):.2f} -> {seq['gateway'].ms(95):.2f} ms:"
        f" gateway / direct p95 = {ratio:.2f}x (target <= {TARGET_RATIO:g}x: "
        f"{verdict(ratio <= TARGET_RATIO)})"
    )
    print(
        f"  search {CLIENTS} clients: direct {direct_rate:.0f}/s, gateway {gw_rate:.0f}/s"
        f" ({gw_rate / direct_rate:.2f}x of direct; target >= {TARGET_RATE:g}/s:"
        f" {verdict(gw_rate >= TARGET_RATE)}); {CLIENTS}-client p95"
        f" {statistics.mean(t.ms(95) for t in loads['direct']):.1f} ->"
        f" {statistics.mean(t.ms(95) for t in loads['gateway']):.1f} ms"
    )
    print(
        f"  inbox p95: referrals {inbox['direct'].ms(95):.2f} ms, three calls direct"
        f" {inbox['composed'].ms(95):.2f} ms, gateway {inbox['gateway'].ms(95):.2f} ms"
        f" ({inbox['gateway'].ms(95) / inbox['direct'].ms(95):.2f}x the referrals call,"
        f" {inbox['gateway'].ms(95) / inbox['composed'].ms(95):.2f}x the three calls);"
        f" {CLIENTS} clients {inbox_load['direct'].rate:.0f}/s vs"
        f" {inbox_load['gateway'].rate:.0f}/s"
    )
    # CPU per search over all load rounds together, so a short round weighs less.
    gateway_searches = sum(len(t.latencies) for t in loads["gateway"])
    gateway_cpu = sum(t.cpu.get("gateway", 0.0) for t in loads["gateway"])
    direct_searches = sum(len(t.latencies) for t in loads["direct"])
    directory_cpu = sum(t.cpu.get("directory", 0.0) for t in loads["direct"])
    return {
        "gateway_cpu_ms_per_search": support.rounded(
            gateway_cpu * 1000 / gateway_searches if gateway_searches else None
        ),
        "search_per_s_over_direct": support.rounded(
            gw_rate / direct_rate if direct_rate else None, 3
        ),
        "inbox_p95_over_direct_calls": support.rounded(
            inbox["gateway"].ms(95) / inbox["composed"].ms(95)
        ),
        "search_p95_over_direct": support.rounded(ratio),
        "search_per_s_gateway": support.rounded(gw_rate, 1),
        "search_per_s_direct": support.rounded(direct_rate, 1),
        "directory_cpu_ms_per_search": support.rounded(
            directory_cpu * 1000 / direct_searches if direct_searches else None
        ),
        "inbox_p95_over_referrals_call": support.rounded(
            inbox["gateway"].ms(95) / inbox["direct"].ms(95)
        ),
        "inbox_gateway_p95_ms": support.rounded(inbox["gateway"].ms(95)),
        "inbox_direct_calls_p95_ms": support.rounded(inbox["composed"].ms(95)),
    }


async def profile(
    args: argparse.Namespace,
    mix: Sequence[Query],
    paths: Paths,
    env: dict[str, str],
    scratch: Path,
    http: aiohttp.ClientSession,
    replicas: list[Replica],
    gateway: Replica,
) -> None:
    """Replaces the gateway by one profiled worker, drives the search load, prints the profile."""
    await stop_all([gateway])
    replicas.remove(gateway)
    out = scratch / "gateway.prof"
    profiled = await start_gateway(env, scratch, http, out)
    replicas.append(profiled)
    paths.gateway = f"{profiled.base}/graphql"
    meter = Meter({"gateway": profiled})

    def through(i: int) -> Awaitable[list[str]]:
        return paths.gateway_search(mix[i % len(mix)])

    t = await concurrent(through, CLIENTS, args.seconds * 2, meter)
    print(f"\nprofiled gateway (1 worker, cProfile on): {t.rate:.0f} searches/s")
    await stop_all([profiled])
    replicas.remove(profiled)
    if out.exists():
        print_profile(out)
    else:
        print("  (no profile was written)")


if __name__ == "__main__":
    asyncio.run(main())
