"""Pooled PostgreSQL connections: checked before use only after sitting idle, replaced when dead."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from harbour_kit.db import create_engine
from tests.conftest import Databases, eventually

pytestmark = pytest.mark.postgres


async def _terminate(killer: AsyncEngine, pid: int) -> None:
    """Ends a backend from another session and waits until it is gone."""
    async with killer.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    async def gone() -> bool:
        async with killer.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
        return found == 0

    await eventually(gone)


async def _backend_pid(url: str, idle_ping_seconds: float) -> tuple[int, int]:
    """The backend of the pooled connection before and after its server end is terminated."""
    engine = create_engine(url, pool_size=1, max_overflow=0, idle_ping_seconds=idle_ping_seconds)
    killer = create_engine(url)
    try:
        async with engine.connect() as connection:
            before = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        await _terminate(killer, before)
        async with engine.connect() as connection:
            after = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        return before, after
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_a_dead_connection_that_sat_idle_is_replaced_before_use(
    databases: Databases,
) -> None:
    url = await databases.empty("postgresql")
    # Any idle time is "long" here: the checkout pings, finds the connection dead, reconnects.
    before, after = await _backend_pid(url, idle_ping_seconds=0.0)
    assert after not in (0, before)


async def test_a_recently_used_connection_is_not_pinged_and_a_dead_one_is_dropped_after(
    databases: Databases,
) -> None:
    url = await databases.empty("postgresql")
    engine = create_engine(url, pool_size=1, max_overflow=0, idle_ping_seconds=3600.0)
    killer = create_engine(url)
    try:
        async with engine.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _terminate(killer, int(pid or 0))
        # No ping on checkout: the statement itself meets the dead connection.
        with pytest.raises(DBAPIError) as failed:
            async with engine.connect() as connection:
                await connection.scalar(text("SELECT 1"))
        assert failed.value.connection_invalidated
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != pid
    finally:
        await engine.dispose()
        await killer.dispose()
