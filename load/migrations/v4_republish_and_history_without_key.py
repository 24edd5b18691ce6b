"""Version 4: each load records its pipeline version (a document may be republished under another), and history loses its key."""

from __future__ import annotations

import sqlalchemy as sa

from load.migrations import tables_v6
from load.migrations.alterations import drop_key_on_duckdb


def apply(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE etl_loads ADD COLUMN IF NOT EXISTS pipeline_version VARCHAR"))
    conn.execute(sa.text(
        "UPDATE etl_loads SET pipeline_version = (SELECT MIN(s.pipeline_version) FROM etl_slices s"
        " WHERE s.load_id = etl_loads.load_id) WHERE pipeline_version IS NULL"))
    if conn.dialect.name != "duckdb":
        conn.execute(sa.text("ALTER TABLE darien_transit_history"
                             " DROP CONSTRAINT IF EXISTS darien_transit_history_pkey"))
        return
    drop_key_on_duckdb(conn, tables_v6.history)
