"""Scaling curve: sustained referral transitions/s and searches/s with 1, 2 and 4 replicas.

For each replica count it starts that many `harbour-referrals serve` processes on one PostgreSQL
database and that many `harbour-directory serve` processes on another (synthetic search rows),
all on one NATS server, and spreads the requests over the replicas round-robin, as a Kubernetes
Service does. Each phase runs alone for `--seconds`: `--concurrency` clients drive referrals
through create → send → acknowledge → accept → complete (five transitions, each with
`If-Match`), then the same number of clients search "nearest 20 within 2 km with a category and
a language". Prints transitions/s and searches/s with p50/p99 and the speed-up over one replica.
Reports; never fails on the figures; drops its databases and streams.

    .venv/bin/python bench/scale.py            # 1, 2, 4 replicas, 10 s per phase
    .venv/bin/python bench/scale.py --quick    # 1, 2 replicas, 4 s per phase, 5,000 rows
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import support
from bench.directory import queries
from bench.referrals import (
    CATEGORIES,
    DETAILS,
    NEEDS,
    OUTCOME,
    PARTNER_ORG,
    REFERRER_ORG,
    SERVICES,
    Actors,
    Refused,
    add_targets,
    call,
    delete_streams,
)
from bench.synthetic import load_postgres
from harbour_directory.main import MIGRATIONS as DIRECTORY_MIGRATIONS
from harbour_kit.auth import mint_token
from harbour_kit.crypto import generate_key_setting
from harbour_kit.keys import ensure_keypair
from harbour_kit.migrations import upgrade
from harbour_referrals.main import MIGRATIONS as REFERRALS_MIGRATIONS

PREFIX = "harbour_bench_scale_"
WARM_UP = 2.0  # seconds of each phase before measuring


@dataclass
class Replica:
    """One `harbour-<service> serve` process."""

    service: str
    port: int
    process: asyncio.subprocess.Process
    log: IO[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def start_replica(service: str, env: dict[str, str], scratch: Path) -> Replica:
    """Starts one replica on a free port (it binds only loopback)."""
    port = support.free_port()
    prefix = service.upper()
    log = (scratch / f"{service}-{port}.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name(f"harbour-{service}")),
        "serve",
        env={**os.environ, **env, f"{prefix}_PORT": str(port), f"{prefix}_HOST": "127.0.0.1"},
        cwd=scratch,
        stdout=log,
        stderr=log,
    )
    return Replica(service, port, process, log)


async def wait_ready(http: aiohttp.ClientSession, replica: Replica, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if replica.process.returncode is not None:
            raise RuntimeError(f"{replica.service} on {replica.port} exited")
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{replica.base}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{replica.service} on {replica.port} was not ready in {within:.0f} s")


async def stop_all(replicas: list[Replica]) -> None:
    for replica in replicas:
        if replica.process.returncode is None:
            replica.process.terminate()
    for replica in replicas:
        try:
            await asyncio.wait_for(replica.process.wait(), 15)
        except TimeoutError:
            replica.process.kill()
            await replica.process.wait()
        replica.log.close()


@dataclass
class Phase:
    """Latencies of the requests one phase completed, and its failures."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    wall: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


async def claimant_with_consent(http: aiohttp.ClientSession, base: str, actors: Actors) -> str:
    claimant, _ = await call(http, f"{base}/claimants", "claimant", actors.worker, DETAILS, 201)
    consent = {
        "claimant_id": claimant["id"],
        "purpose": "legal",
        "receiving_organization_ids": [PARTNER_ORG],
        "data_categories": CATEGORIES,
        "method": "verbal",
    }
    await call(http, f"{base}/consents", "consent", actors.worker, consent, 201)
    return str(claimant["id"])


async def transitions(
    http: aiohttp.ClientSession,
    replicas: list[Replica],
    actors: Actors,
    clients: int,
    seconds: float,
) -> Phase:
    """Clients each drive referrals through five transitions until the time is up."""
    phase = Phase()
    bases = itertools.cycle([r.base for r in replicas])
    # One claimant with a consent per client, made before the clock starts.
    claimants = [await claimant_with_consent(http, next(bases), actors) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        while time.perf_counter() < deadline:
            body: dict[str, Any] = {
                "claimant_id": claimants[index],
                "service_id": SERVICES[index % len(SERVICES)],
                "purpose": "legal",
                "needs_summary": NEEDS,
                "send": False,
            }
            try:
                referral, elapsed = await call(
                    http, f"{next(bases)}/referrals", "create", actors.worker, body, 201
                )
                phase.latencies.append(elapsed)
                for step, who, payload in (
                    ("send", actors.worker, None),
                    ("acknowledge", actors.partner, None),
                    ("accept", actors.partner, {"assignee": "caseworker-1"}),
                    ("complete", actors.partner, {"outcome": OUTCOME}),
                ):
                    headers = {**who, "If-Match": f'"{referral["version"]}"'}
                    url = f"{next(bases)}/referrals/{referral['id']}/actions/{step}"
                    referral, elapsed = await call(http, url, step, headers, payload, 200)
                    phase.latencies.append(elapsed)
            except (Refused, aiohttp.ClientError):
                phase.failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    phase.wall = time.perf_counter() - started
    return phase


async def searches(
    http: aiohttp.ClientSession, replicas: list[Replica], clients: int, seconds: float
) -> Phase:
    """Clients each search the fixed query mix until the time is up."""
    phase = Phase()
    bases = itertools.cycle([r.base for r in replicas])
    mix = itertools.cycle(queries(2000))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            query = next(mix)
            started = time.perf_counter()
            try:
                url = f"{next(bases)}/service_at_locations"
                async with http.get(url, params=query.http_params()) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            if ok:
                phase.latencies.append(time.perf_counter() - started)
            else:
                phase.failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    phase.wall = time.perf_counter() - started
    return phase


def row(replicas: int, phase: Phase, baseline: Phase | None) -> str:
    speedup = phase.rate / baseline.rate if baseline and baseline.rate else 1.0
    return (
        f"| {replicas} | {phase.rate:7.1f} | {phase.percentile(50) * 1000:7.1f} |"
        f" {phase.percentile(99) * 1000:7.1f} | {speedup:4.2f}x | {phase.failures} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replicas", default="1,2,4", help="replica counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in each phase")
    parser.add_argument("--rows", type=int, default=10_000, help="synthetic search rows")
    parser.add_argument("--quick", action="store_true", help="1,2 replicas, 4 s, 5,000 rows")
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
    counts = [1, 2] if args.quick else [int(n) for n in args.replicas.split(",")]
    seconds = 4.0 if args.quick else args.seconds
    rows = 5_000 if args.quick else args.rows
    admin = args.admin_url.replace("postgresql+asyncpg://", "postgresql://")
    base_url = admin.rpartition("/")[0]
    scratch = Path(tempfile.mkdtemp(prefix="harbour-bench-scale-"))
    namespace = "benchscale" + uuid.uuid4().hex[:8]
    names = [await support.create_database(admin, PREFIX + "ref_")]
    names.append(await support.create_database(admin, PREFIX + "dir_"))
    referrals_url, directory_url = (f"{base_url}/{n}" for n in names)
    print(
        f"scaling: replicas {counts}, {seconds:g} s per phase, {args.concurrency} clients,"
        f" {rows} search rows, {os.cpu_count()} CPUs"
    )
    try:
        await asyncio.to_thread(upgrade, REFERRALS_MIGRATIONS, referrals_url)
        await add_targets(referrals_url)
        await asyncio.to_thread(upgrade, DIRECTORY_MIGRATIONS, directory_url)
        await load_postgres(directory_url, rows)
        private_path, public_path = ensure_keypair(scratch / "keys")
        pem = private_path.read_text()

        def bearer(sub: str, org: str, role: str) -> dict[str, str]:
            token = mint_token(pem, sub=sub, org_id=org, roles=[role])
            return {"Authorization": f"Bearer {token}"}

        actors = Actors(
            worker=bearer("worker-1", REFERRER_ORG, "social_worker"),
            partner=bearer("partner-1", PARTNER_ORG, "partner_staff"),
        )
        shared = {
            "HARBOUR_NATS_URL": args.nats_url,
            "HARBOUR_EVENTS_NAMESPACE": namespace,
            "HARBOUR_JWT_PUBLIC_KEY_FILE": str(public_path),
            "HARBOUR_DATA_DIR": str(scratch),
            "HARBOUR_LOG_LEVEL": "WARNING",
        }
        env = {
            "referrals": {
                **shared,
                "REFERRALS_DATABASE_URL": referrals_url,
                "REFERRALS_ENCRYPTION_KEYS": generate_key_setting("bench1"),
            },
            "directory": {**shared, "DIRECTORY_DATABASE_URL": directory_url},
        }
        results: list[tuple[int, Phase, Phase]] = []
        connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as http:
            for count in counts:
                replicas = [
                    await start_replica(service, env[service], scratch)
                    for service in ("referrals", "directory")
                    for _ in range(count)
                ]
                try:
                    for replica in replicas:
                        await wait_ready(http, replica)
                    by = {s: [r for r in replicas if r.service == s] for s in env}
                    # Warm-up, not counted: connection pools, caches, first JIT of each replica.
                    await transitions(http, by["referrals"], actors, args.concurrency, WARM_UP)
                    await searches(http, by["directory"], args.concurrency, WARM_UP)
                    moved = await transitions(
                        http, by["referrals"], actors, args.concurrency, seconds
                    )
                    found = await searches(http, by["directory"], args.concurrency, seconds)
                    results.append((count, moved, found))
                    print(
                        f"  {count} replica(s): {moved.rate:.1f} transitions/s,"
                        f" {found.rate:.1f} searches/s"
                    )
                finally:
                    await stop_all(replicas)
        print("\nreferral transitions (HTTP, PostgreSQL)")
        print("| replicas | transitions/s | p50 ms | p99 ms | speed-up | failed |")
        print("|---|---|---|---|---|---|")
        for count, moved, _ in results:
            print(row(count, moved, results[0][1]))
        print(f"\nsearches ({rows} rows, nearest 20 within 2 km, category + language)")
        print("| replicas | searches/s | p50 ms | p99 ms | speed-up | failed |")
        print("|---|---|---|---|---|---|")
        for count, _, found in results:
            print(row(count, found, results[0][2]))
    finally:
        for name in names:
            await support.drop_database(admin, name, PREFIX)
        await delete_streams(args.nats_url, namespace)


if __name__ == "__main__":
    asyncio.run(main())
