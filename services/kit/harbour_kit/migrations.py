"""Alembic, one migration history per service, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from harbour_kit.db import create_engine, is_sqlite, normalise_url


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic configuration for one service's migrations folder and database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("version_locations", str(migrations_dir / "versions"))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = normalise_url(database_url)
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Brings the database up to `revision` (creating the SQLite file if needed)."""
    engine = create_engine(database_url)  # creates the SQLite folder
    asyncio.run(engine.dispose())
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


# Tables that database extensions own (PostGIS): never ours to create or drop.
EXTENSION_TABLES = frozenset({"spatial_ref_sys"})


def include_object_for(metadata: MetaData) -> Callable[..., bool]:
    """Leaves out of comparisons what extensions own and what a service derives by hand.

    A service lists derived objects in `metadata.info["unmanaged"]`: `tables`,
    `table_prefixes`, `columns` as `(table, column)` pairs and `indexes` (for example a
    PostGIS column and the SQLite R*Tree beside a table), which its migrations create
    per dialect.
    """
    unmanaged = metadata.info.get("unmanaged", {})
    tables = EXTENSION_TABLES | unmanaged.get("tables", frozenset())
    prefixes = tuple(unmanaged.get("table_prefixes", ()))
    columns = unmanaged.get("columns", frozenset())
    indexes = unmanaged.get("indexes", frozenset())

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if not reflected or compare_to is not None or name is None:
            return True
        if type_ == "table":
            return not (name in tables or name.startswith(prefixes))
        if type_ == "column":
            return (obj.table.name, name) not in columns
        if type_ == "index":
            return name not in indexes
        return True

    return include


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `env.py`: runs migrations online over an async engine."""
    url: str = context.config.attributes["database_url"]

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
            include_object=include_object_for(target_metadata),
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


def autogenerate(migrations_dir: Path, message: str) -> None:
    """Writes a new revision from the difference between the models and the migrations."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        upgrade(migrations_dir, url)
        command.revision(alembic_config(migrations_dir, url), message=message, autogenerate=True)
