"""Each service's migrations build exactly the schema its models declare, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from harbour_directory.models import metadata as directory_metadata
from harbour_kit.db import create_engine
from harbour_kit.migrations import alembic_config, include_object_for
from harbour_notifications.models import metadata as notifications_metadata
from harbour_referrals.models import metadata as referrals_metadata
from tests.conftest import MIGRATIONS, Databases

MODELS: dict[str, MetaData] = {
    "directory": directory_metadata,
    "referrals": referrals_metadata,
    "notifications": notifications_metadata,
}

EXTENSION_QUERY = "SELECT extname FROM pg_extension"

# Tables that belong to a PostgreSQL extension rather than to the service. The directory's
# migration installs PostGIS, which creates `public.spatial_ref_sys`; autogenerate reflects it
# and, finding no model for it, reports a `remove_table`. That is not drift (the table is the
# extension's, dropped and upgraded with it), so tables an extension owns (pg_depend deptype 'e')
# are left out of the comparison, and so are the objects a service declares as derived (its
# `metadata.info["unmanaged"]`, such as the directory's PostGIS column and SQLite R*Tree). Nothing
# else is filtered: types and server defaults are compared too.
EXTENSION_TABLES = """
    SELECT c.relname FROM pg_class c
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
    WHERE d.deptype = 'e' AND c.relkind IN ('r', 'p', 'v', 'm')
"""


def _differences(connection: Connection, metadata: MetaData) -> tuple[list[Any], str | None]:
    """What autogenerate would write for this database, and the revision it is at."""
    skipped: set[str] = set()
    if connection.dialect.name == "postgresql":
        skipped = set(connection.execute(text(EXTENSION_TABLES)).scalars())
        assert not skipped & set(metadata.tables), "an extension's table shadows a model table"

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return not (type_ == "table" and name in skipped)

    include_object = include_object_for(metadata)

    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": include_name,
            "include_object": include_object,
        },
    )
    return compare_metadata(context, metadata), context.get_current_revision()


@pytest.mark.parametrize("service", sorted(MIGRATIONS))
async def test_migrated_database_matches_the_models(
    databases: Databases, backend: str, service: str
) -> None:
    url = await databases.fresh(service, backend)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            diff, revision = await connection.run_sync(_differences, MODELS[service])
    finally:
        await engine.dispose()
    assert diff == [], f"{service} on {backend}: the models and migrations differ: {diff}"
    script = ScriptDirectory.from_config(alembic_config(MIGRATIONS[service], url))
    assert revision == script.get_current_head()


@pytest.mark.postgres
async def test_migrated_postgresql_directory_has_postgis(databases: Databases) -> None:
    engine = create_engine(await databases.fresh("directory", "postgresql"))
    try:
        async with engine.connect() as connection:
            extensions = set((await connection.execute(text(EXTENSION_QUERY))).scalars())
            version = (await connection.execute(text("SELECT postgis_version()"))).scalar_one()
    finally:
        await engine.dispose()
    assert "postgis" in extensions
    assert version  # the extension's functions are usable, not just registered
