"""Alembic, one migration history per service, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from pathlib import Path

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


def _include_object(
    _obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "table" and reflected and compare_to is None and name in EXTENSION_TABLES)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `env.py`: runs migrations online over an async engine."""
    url: str = context.config.attributes["database_url"]

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
            compare_type=True,
            include_object=_include_object,
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
