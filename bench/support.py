"""What the benchmarks share: throwaway PostgreSQL databases, free ports, percentiles."""

from __future__ import annotations

import socket
import statistics
import uuid

import asyncpg


async def create_database(admin_dsn: str, prefix: str) -> str:
    """Creates `<prefix><random>` and returns its name."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def drop_database(admin_dsn: str, name: str, prefix: str) -> None:
    """Drops a database this benchmark made (refuses any other name)."""
    if not name.startswith(prefix):
        raise ValueError(f"not a database of this benchmark: {name}")
    connection = await asyncpg.connect(admin_dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 (NaN when there are no values)."""
    if len(values) < 2:
        only = values[0] if values else float("nan")
        return only, only, only
    cut = statistics.quantiles(sorted(values), n=100, method="inclusive")
    return cut[49], cut[94], cut[98]
