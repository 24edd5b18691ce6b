"""Alterations more than one migration makes: a key DuckDB cannot drop, a ledger timestamp, the source kind."""

from __future__ import annotations

import sqlalchemy as sa

from load.schema import TZ


def drop_key_on_duckdb(conn: sa.Connection, table: sa.Table) -> None:
    """Rebuild `table` without its primary key, if it has one: DuckDB cannot drop a key."""
    keyed = conn.execute(sa.text(
        "SELECT COUNT(*) FROM duckdb_constraints() WHERE table_name = :t"
        " AND constraint_type = 'PRIMARY KEY'"), {"t": table.name}).scalar()
    if keyed:  # copy the table into its keyless shape
        conn.execute(sa.text(f"ALTER TABLE {table.name} RENAME TO _{table.name}_keyed"))
        table.create(conn)
        conn.execute(sa.text(f"INSERT INTO {table.name} SELECT * FROM _{table.name}_keyed"))
        conn.execute(sa.text(f"DROP TABLE _{table.name}_keyed"))


def columns(conn: sa.Connection, table: str) -> set[str]:
    """The names of `table`'s columns, in the schema the connection writes to.

    From information_schema, which both backends keep: a hundredth of the time of
    SQLAlchemy's inspector on DuckDB, where a new warehouse asked it nine times per set-up.
    """
    return set(conn.execute(sa.text(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :t"), {"t": table}).scalars())


def add_ledger_time(conn: sa.Connection, name: str) -> None:
    """Add a timestamp column to etl_documents unless it has it."""
    if name in columns(conn, "etl_documents"):
        return
    if conn.dialect.name == "duckdb":  # DuckDB alters no table that an index depends on
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_documents_sha256"))
    conn.execute(sa.text(f"ALTER TABLE etl_documents ADD COLUMN {name} {TZ.compile(dialect=conn.dialect)}"))
    conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_documents_sha256 ON etl_documents (sha256)"))


def add_source_kind(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Add `source_kind` to tables that lack it, 'snm' for every row they hold (each before version 8 is SNM's)."""
    for table in tables:
        if "source_kind" in columns(conn, table.name):
            continue
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN source_kind VARCHAR DEFAULT 'snm'")
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN source_kind DROP DEFAULT")
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN source_kind SET NOT NULL")
