"""Version 5: on DuckDB the current table loses its key (publish keeps it; the index tripled a bulk publish's cost)."""

from __future__ import annotations

import sqlalchemy as sa

from load.migrations import tables_v6
from load.migrations.alterations import drop_key_on_duckdb


def apply(conn: sa.Connection) -> None:
    if conn.dialect.name == "duckdb":
        drop_key_on_duckdb(conn, tables_v6.transit)
