"""Set-up the benchmarks share: throwaway PostgreSQL databases with a recognisable name."""

from __future__ import annotations

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
