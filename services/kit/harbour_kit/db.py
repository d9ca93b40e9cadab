"""Async database engines and sessions for SQLite (embedded default) and PostgreSQL.

On SQLite, Harbour emits its own `BEGIN`: a unit of work that writes starts with
`BEGIN IMMEDIATE`, so it holds the database's one write lock before it reads what it will
append to (the audit chain's last link, an idempotency key), exactly as the advisory and row
locks make those reads safe on PostgreSQL. Read-only sessions begin `DEFERRED` and read a
consistent snapshot without blocking writers (WAL).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Executable, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SessionFactory = async_sessionmaker[AsyncSession]

# Execution option that marks a connection's transaction as a write unit of work.
WRITES = "harbour_writes"
BUSY_TIMEOUT_MS = 30_000
# A pooled connection idle longer than this is checked before use (the server may have gone).
IDLE_PING_SECONDS = 10.0
_IDLE_SINCE = "harbour_idle_since"


def normalise_url(url: str) -> str:
    """Gives plain `postgresql://` and `sqlite://` URLs their async drivers."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    """Tells whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, idle_ping_seconds: float = IDLE_PING_SECONDS, **kwargs: Any
) -> AsyncEngine:
    """Creates an async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # The driver's own implicit BEGIN (only before DML) is turned off; see `_begin`.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Any) -> None:
            writes = connection.get_execution_options().get(WRITES, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN DEFERRED")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, idle_ping_seconds)
    return engine


def _ping_when_idle(engine: AsyncEngine, seconds: float) -> None:
    """Pings a pooled connection on checkout only after `seconds` idle, not on every request.

    A busy pool's connections were just used; a failed ping makes the pool replace the connection
    (and an error on a dead one invalidates the older connections of the pool anyway).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Builds the session factory; objects stay readable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """Opens one write transaction: commits on success, rolls back on any error.

    The connection is taken (and on SQLite the write lock with it) before the first read.
    """
    async with factory() as session, session.begin():
        await session.connection(execution_options={WRITES: True})
        yield session


async def ping(engine: AsyncEngine) -> None:
    """Raises unless the database answers a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def dialect_of(session: AsyncSession) -> str:
    """The SQL dialect the session talks to (`sqlite` or `postgresql`)."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("session is not bound to an engine")
    return str(bind.dialect.name)


async def execute(
    session: AsyncSession, statement: Executable, parameters: Any = None
) -> CursorResult[Any]:
    """Runs a Core statement (with parameters, or a list of them for many rows) in the session."""
    connection = await session.connection()
    result: CursorResult[Any] = await connection.execute(statement, parameters)
    return result
