"""Version 7: every version's rows (etl_version_rows), filled from a version-6 warehouse and checked against it."""

from __future__ import annotations

import sqlalchemy as sa

from load import schema
from load.derive import current_select, derived_columns, history_select
from load.migrations.alterations import add_source_kind
from load.ranking import CHAIN, TRANSIT, VERSION, Figures, drop_temp, join_on, rank
from load.warehouse import WarehouseError

TRANSIT_FILLFACTOR = 50  # percent of a darien_transit page filled by inserts, on PostgreSQL


def apply(conn: sa.Connection) -> None:
    # The derivation ranks each source kind's versions apart: the tables it reads need the
    # kind before they can be checked against what it derives (a warehouse migrated to 7
    # before version 8 existed gets the column from step 8).
    add_source_kind(conn, [schema.transit, schema.history, schema.slices])
    schema.version_rows.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        # Room in every page for a second version of each row: a publish that takes a slice over
        # rewrites its unchanged rows' lineage as HOT updates, without touching the key's index.
        conn.exec_driver_sql(f"ALTER TABLE {schema.transit.name} SET (fillfactor = {TRANSIT_FILLFACTOR})")
    _fill_and_check(conn, TRANSIT)


def _fill_and_check(conn: sa.Connection, figures: Figures) -> None:
    """Fill the version rows from a version-6 warehouse alone, then check that they derive its tables.

    A slice's top version's rows are its current rows; any other version's are the history
    rows open at its rank (valid from a version ranked no later, not ended by one ranked no
    later). Any difference between the tables derived from them and the stored ones aborts
    the migration with one line, and the caller's transaction leaves the warehouse as it was.
    """
    drop_temp(conn)
    conn.exec_driver_sql(f"CREATE TEMP TABLE _touched AS SELECT DISTINCT {', '.join(CHAIN)}"
                         f" FROM {figures.slices.name}")
    conn.exec_driver_sql("CREATE TEMP TABLE _refresh AS SELECT DISTINCT year, breakdown FROM _touched")
    rank(conn, figures)
    rows = [c.name for c in figures.rows.columns]
    conn.exec_driver_sql(
        f"INSERT INTO {figures.rows.name} ({', '.join(rows)}) SELECT {', '.join('c.' + c for c in rows)}"
        f" FROM {figures.current.name} c JOIN _ranks r ON {join_on('c', 'r', (*CHAIN, VERSION))}"
        " WHERE r.version_rank = r.versions")
    held = ", ".join(f"h.{c}" if c != VERSION else f"v.{VERSION}" for c in rows)
    conn.exec_driver_sql(
        f"INSERT INTO {figures.rows.name} ({', '.join(rows)}) SELECT {held}"
        f" FROM _ranks v JOIN {figures.history.name} h ON {join_on('h', 'v', CHAIN)}"
        f" JOIN _ranks hr ON {join_on('hr', 'h', CHAIN)} AND hr.{VERSION} = h.{VERSION}"
        f" LEFT JOIN _ranks er ON {join_on('er', 'h', CHAIN)} AND er.{VERSION} = h.ended_by"
        " WHERE v.version_rank < v.versions AND hr.version_rank <= v.version_rank"
        "  AND (h.ended_by IS NULL OR er.version_rank > v.version_rank)")
    current = derived_columns(figures.current)
    history = derived_columns(figures.history)
    checks = ((figures.current.name, current_select(figures, current, "_refresh"), current),
              (figures.history.name, history_select(figures, history), history))
    for table, derived, columns in checks:
        stored = f"SELECT {', '.join(columns)} FROM {table}"
        def left_over(a: str, b: str) -> int:
            return conn.exec_driver_sql(f"SELECT COUNT(*) FROM (SELECT * FROM ({a}) a"
                                        f" EXCEPT ALL SELECT * FROM ({b}) b) x").scalar()

        extra, missing = left_over(derived, stored), left_over(stored, derived)
        if extra or missing:
            raise WarehouseError(
                f"migration 7: {table} derived from every version's rows differs from the stored"
                f" table ({missing} stored rows not derived, {extra} derived rows not stored);"
                " nothing was changed, the warehouse stays at version 6")
    drop_temp(conn)
