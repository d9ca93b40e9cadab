"""What the benchmarks share: throwaway databases, free ports, percentiles, the RESULT line."""

from __future__ import annotations

import json
import math
import socket
import statistics
import uuid
from typing import Any
from urllib.parse import urlsplit

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


def place(url: str) -> str:
    """Where a URL points, for a RESULT's `where`: "local" on this machine, else its host."""
    host = urlsplit(url).hostname or ""
    return "local" if host in {"", "localhost", "127.0.0.1", "::1"} else host


def rounded(value: float | None, digits: int = 2) -> float | None:
    """A figure for a RESULT line: rounded, and None when it is missing or not finite."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


def print_result(figures: dict[str, Any]) -> None:
    """Prints `RESULT {json}` (compact, one line) and flushes: it must be stdout's last line."""
    # NaN is not JSON; a figure that could not be measured is null instead.
    clean = {
        key: None if isinstance(value, float) and not math.isfinite(value) else value
        for key, value in figures.items()
    }
    print("RESULT " + json.dumps(clean, separators=(",", ":")), flush=True)
