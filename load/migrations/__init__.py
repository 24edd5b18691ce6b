"""The ordered migrations that bring a warehouse up to date, and their runner, `ensure_schema`.

Each migration is a module with `apply(conn)`; `MIGRATIONS` lists them in order, the first
bringing an empty warehouse to version 1. Migrations 1-6 create and alter the frozen shapes of
`tables_v6`; 7 and 8 bring them to load/schema.py's, using the derivation and the views. A new
warehouse runs every step. A new schema version is a new module at the end of the list.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

import sqlalchemy as sa

from load.migrations import (
    v1_tables,
    v2_views_and_indexes,
    v3_dimensions,
    v4_republish_and_history_without_key,
    v5_duckdb_current_without_key,
    v6_ledger_refused_and_pruned,
    v7_version_rows,
    v8_second_source_and_annual_figures,
)
from load.schema import schema_version
from load.warehouse import duckdb_path

# Version n is MIGRATIONS[n - 1].
MIGRATIONS = [
    v1_tables,
    v2_views_and_indexes,
    v3_dimensions,
    v4_republish_and_history_without_key,
    v5_duckdb_current_without_key,
    v6_ledger_refused_and_pruned,
    v7_version_rows,
    v8_second_source_and_annual_figures,
]
LATEST = len(MIGRATIONS)


def current_version(engine: sa.Engine) -> int:
    """The schema version a warehouse records, 0 for an empty one."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("schema_version"):
            return 0
        return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def ensure_schema(engine: sa.Engine, *, upto: int = LATEST) -> None:
    """Create the warehouse tables and views if missing, migrating an older warehouse to `upto`."""
    found = current_version(engine)
    if found >= upto:
        return
    path = duckdb_path(engine)
    if found > 0 and path is not None and path.exists():
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")  # empty the WAL so the copy is complete
        shutil.copy2(path, path.with_name(f"{path.name}.v{found}.bak"))
    with engine.begin() as conn:
        schema_version.create(conn, checkfirst=True)
        for version in range(found + 1, upto + 1):
            MIGRATIONS[version - 1].apply(conn)
            conn.execute(sa.insert(schema_version).values(
                version=version, applied_at=datetime.now(timezone.utc)))
