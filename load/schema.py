"""The warehouse tables, defined in code, and the ordered migrations that bring a warehouse up to date."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timezone

import sqlalchemy as sa

from darien import contract
from load import dimensions, schema_v6
from load.warehouse import duckdb_path

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)


def _cell_columns(month: bool) -> list[sa.Column]:
    """A figure's key: year, month (monthly tables only), breakdown, category."""
    return [
        sa.Column("year", sa.Integer, nullable=False),
        *([sa.Column("month", sa.Integer, nullable=False)] if month else []),
        sa.Column("breakdown", sa.String, nullable=False),
        sa.Column("category", sa.String, nullable=False),
    ]


def _kind() -> sa.Column:
    """Whose publication a row is (contract.SOURCE_KINDS): added by migrations 7-8, so the last column."""
    return sa.Column("source_kind", sa.String, nullable=False)


def _source_columns() -> list[sa.Column]:
    """Where a figure comes from: document, table, page, and the code that read it."""
    return [
        sa.Column("source_url", sa.String, nullable=False),
        sa.Column("source_sha256", sa.String, nullable=False),
        sa.Column("source_table", sa.String, nullable=False),
        sa.Column("source_page", sa.Integer, nullable=False),
        sa.Column("pipeline_version", sa.String, nullable=False),
    ]


def _current(name: str, month: bool, key: tuple[str, ...]) -> sa.Table:
    """The published figures: the contract's columns, one row per cell of the current versions."""
    return sa.Table(
        name, metadata,
        *_cell_columns(month),
        sa.Column("label", sa.String, nullable=False),
        sa.Column("persons", sa.BigInteger, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("preliminary", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        *_source_columns(),
        sa.Column("load_id", sa.String),
        sa.Column("loaded_at", TZ),
        _kind(),
        # On DuckDB the key is kept by publish (a document giving one cell twice is refused, and a
        # slice is replaced whole): its index tripled the cost of a bulk publish (issue 7).
        sa.PrimaryKeyConstraint(*key).ddl_if(dialect="postgresql"),
    )


def _history(name: str, month: bool) -> sa.Table:
    """Every value every cell has had: one row per (cell, document version) whose value (persons,
    label, note) differs from the version ranked before it in its source kind's chain. `ended_by`
    names the document whose publication closed the row (valid_to is that document's as_of); it
    lets a late, older document be slotted into the ranking without a second copy of every version."""
    return sa.Table(
        name, metadata,
        *_cell_columns(month),
        sa.Column("persons", sa.BigInteger, nullable=False),
        sa.Column("label", sa.String, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("preliminary", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("ended_by", sa.String),
        *_source_columns(),
        sa.Column("load_id", sa.String, nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
        _kind(),
        # No key: publish keeps one row per (cell, version) itself, and an index on a table
        # rewritten a slice at a time cost more than every lookup it served (issue 7).
    )


def _slices(name: str) -> sa.Table:
    """One row per version slice: which document version published which (year, breakdown) slice,
    with the keys that rank it among its source kind's versions of the slice and its lineage.
    `as_of` and `preliminary` are the slice's own, read from its rows: one document may span years."""
    return sa.Table(
        name, metadata,
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("breakdown", sa.String, nullable=False),
        sa.Column("source_sha256", sa.String, nullable=False),
        sa.Column("source_url", sa.String, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("preliminary", sa.Boolean, nullable=False),
        sa.Column("modified_at", TZ),
        sa.Column("first_seen_at", TZ),
        sa.Column("pipeline_version", sa.String, nullable=False),
        sa.Column("load_id", sa.String, nullable=False),
        _kind(),
        sa.PrimaryKeyConstraint("year", "breakdown", "source_sha256"),
    )


def _version_rows(name: str, month: bool) -> sa.Table:
    """Every cell of every published version, as the version printed it: the facts the current
    table and its history are derived from (load/derive.py). Rows are never updated; a version
    re-parsed under another pipeline version deletes and re-inserts its own."""
    return sa.Table(
        name, metadata,
        sa.Column("source_sha256", sa.String, nullable=False),
        *_cell_columns(month),
        sa.Column("label", sa.String, nullable=False),
        sa.Column("persons", sa.BigInteger, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("source_table", sa.String, nullable=False),
        sa.Column("source_page", sa.Integer, nullable=False),
        _kind(),
        # No key: publish refuses a document giving one cell twice. A version's rows are stored
        # together, so DuckDB finds a slice's versions by its zone maps and PostgreSQL by a BRIN
        # index of block ranges: a B-tree doubled the cost of staging a million rows.
        sa.Index(f"ix_{name.removeprefix('etl_')}_slice", "year", "breakdown", "source_sha256",
                 postgresql_using="brin", postgresql_with={"autosummarize": "on"}).ddl_if(dialect="postgresql"),
    )


# Monthly figures.
transit = _current(contract.TABLE, True, contract.PRIMARY_KEY)
assert [c.name for c in transit.columns] == list(contract.COLUMNS)
history = _history("darien_transit_history", True)
slices = _slices("etl_slices")
version_rows = _version_rows("etl_version_rows", True)

# Annual figures (version 8): years only annual figures exist for, ranked and derived apart.
transit_annual = _current(contract.ANNUAL_TABLE, False, contract.ANNUAL_KEY)
assert [c.name for c in transit_annual.columns] == list(contract.ANNUAL_COLUMNS)
annual_history = _history(f"{contract.ANNUAL_TABLE}_history", False)
annual_slices = _slices("etl_annual_slices")
annual_version_rows = _version_rows("etl_annual_version_rows", False)

# The ledger: one row per document version. A fetch that stored nothing has sha256 ''.
documents = sa.Table(
    "etl_documents", metadata,
    sa.Column("url", sa.String, nullable=False),
    sa.Column("sha256", sa.String, nullable=False),
    sa.Column("source", sa.String),
    sa.Column("etag", sa.String),
    sa.Column("last_modified", sa.String),
    sa.Column("content_type", sa.String),
    sa.Column("bytes", sa.BigInteger),
    sa.Column("first_seen_at", TZ, nullable=False),
    sa.Column("last_checked_at", TZ, nullable=False),
    sa.Column("kind", sa.String),
    sa.Column("year", sa.Integer),
    sa.Column("as_of", sa.Date),
    sa.Column("preliminary", sa.Boolean),
    sa.Column("modified_at", TZ),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("error", sa.String),
    sa.Column("pipeline_version", sa.String),
    sa.Column("unknown_tables", sa.Text),  # JSON list
    sa.Column("validation", sa.Text),  # JSON summary
    sa.Column("docs_url", sa.String),
    sa.Column("pruned_at", TZ),  # when retention deleted the raw file on purpose (version 6)
    # when an operator accepted this version's regressions against the version loaded before it
    # (`darien reprocess --accept <sha256>`, version 8)
    sa.Column("accepted_at", TZ),
    sa.PrimaryKeyConstraint("url", "sha256"),
)

loads = sa.Table(
    "etl_loads", metadata,
    sa.Column("load_id", sa.String, primary_key=True),
    sa.Column("flow_run_id", sa.String),
    sa.Column("source_url", sa.String, nullable=False),
    sa.Column("source_sha256", sa.String, nullable=False),
    sa.Column("pipeline_version", sa.String),  # NULL: loaded before version 4 and not known
    sa.Column("started_at", TZ, nullable=False),
    sa.Column("finished_at", TZ, nullable=False),
    sa.Column("inserted", sa.BigInteger, nullable=False),
    sa.Column("updated", sa.BigInteger, nullable=False),
    sa.Column("deleted", sa.BigInteger, nullable=False),
    sa.Column("unchanged", sa.BigInteger, nullable=False),
    sa.Column("superseded", sa.Boolean, nullable=False),
)

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", TZ, nullable=False),
)

VIEWS = {
    "v_monthly_by_region": f"""
        SELECT year, month, category AS region, label, persons, preliminary, as_of
        FROM {contract.TABLE} WHERE breakdown = 'region'""",
    "v_annual_by_country": f"""
        SELECT year, category AS country, MAX(label) AS label, CAST(SUM(persons) AS BIGINT) AS persons,
               CAST(SUM(persons) AS DOUBLE PRECISION)
                 / NULLIF(SUM(SUM(persons)) OVER (PARTITION BY year), 0) AS share,
               BOOL_OR(preliminary) AS preliminary, MAX(as_of) AS as_of
        FROM {contract.TABLE} WHERE breakdown = 'country'
        GROUP BY year, category""",
    "v_latest_as_of": f"""
        SELECT year, as_of, preliminary, source_url, source_sha256, MAX(loaded_at) AS loaded_at
        FROM {contract.TABLE} WHERE breakdown = 'total'
        GROUP BY year, as_of, preliminary, source_url, source_sha256""",
}


def _v1_tables(conn: sa.Connection) -> None:
    frozen = schema_v6
    tables = [frozen.transit, frozen.history, frozen.slices, frozen.documents, frozen.loads]
    frozen.metadata.create_all(conn, tables=tables, checkfirst=True)


def _v2_views_and_indexes(conn: sa.Connection) -> None:
    for name, body in VIEWS.items():
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {body}"))
    conn.execute(sa.text(
        "CREATE INDEX IF NOT EXISTS ix_documents_sha256 ON etl_documents (sha256)"))


def _v4_republish_and_history_without_key(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE etl_loads ADD COLUMN IF NOT EXISTS pipeline_version VARCHAR"))
    conn.execute(sa.text(
        "UPDATE etl_loads SET pipeline_version = (SELECT MIN(s.pipeline_version) FROM etl_slices s"
        " WHERE s.load_id = etl_loads.load_id) WHERE pipeline_version IS NULL"))
    if conn.dialect.name != "duckdb":
        conn.execute(sa.text("ALTER TABLE darien_transit_history"
                             " DROP CONSTRAINT IF EXISTS darien_transit_history_pkey"))
        return
    _duckdb_drop_key(conn, schema_v6.history)


def _duckdb_drop_key(conn: sa.Connection, table: sa.Table) -> None:
    keyed = conn.execute(sa.text(
        "SELECT COUNT(*) FROM duckdb_constraints() WHERE table_name = :t"
        " AND constraint_type = 'PRIMARY KEY'"), {"t": table.name}).scalar()
    if keyed:  # DuckDB cannot drop a key: copy the table into its keyless shape
        conn.execute(sa.text(f"ALTER TABLE {table.name} RENAME TO _{table.name}_keyed"))
        table.create(conn)
        conn.execute(sa.text(f"INSERT INTO {table.name} SELECT * FROM _{table.name}_keyed"))
        conn.execute(sa.text(f"DROP TABLE _{table.name}_keyed"))


def _v5_duckdb_current_without_key(conn: sa.Connection) -> None:
    if conn.dialect.name == "duckdb":
        _duckdb_drop_key(conn, schema_v6.transit)


def _v6_ledger_refused_and_pruned(conn: sa.Connection) -> None:
    # Until version 6 a refused fetch was "skipped"; skipped now means read and found no Darién document.
    conn.execute(sa.text("UPDATE etl_documents SET status = 'refused' WHERE status = 'skipped'"))
    _add_ledger_time(conn, "pruned_at")


def _add_ledger_time(conn: sa.Connection, name: str) -> None:
    """Add a timestamp column to etl_documents unless it has it."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("etl_documents")}
    if name in columns:
        return
    if conn.dialect.name == "duckdb":  # DuckDB alters no table that an index depends on
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_documents_sha256"))
    conn.execute(sa.text(f"ALTER TABLE etl_documents ADD COLUMN {name} {TZ.compile(dialect=conn.dialect)}"))
    conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_documents_sha256 ON etl_documents (sha256)"))


TRANSIT_FILLFACTOR = 50  # percent of a darien_transit page filled by inserts, on PostgreSQL


def _add_source_kind(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Add `source_kind` to tables that lack it, 'snm' for every row they hold (each before version 8 is SNM's)."""
    for table in tables:
        columns = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        if "source_kind" in columns:
            continue
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN source_kind VARCHAR DEFAULT 'snm'")
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN source_kind DROP DEFAULT")
        conn.exec_driver_sql(f"ALTER TABLE {table.name} ALTER COLUMN source_kind SET NOT NULL")


def _v7_version_rows(conn: sa.Connection) -> None:
    from load import derive  # derive reads this module's tables

    # The derivation ranks each source kind's versions apart: the tables it reads need the
    # kind before they can be checked against what it derives (a warehouse migrated to 7
    # before version 8 existed gets the column from step 8).
    _add_source_kind(conn, [transit, history, slices])
    version_rows.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":
        # Room in every page for a second version of each row: a publish that takes a slice over
        # rewrites its unchanged rows' lineage as HOT updates, without touching the key's index.
        conn.exec_driver_sql(f"ALTER TABLE {transit.name} SET (fillfactor = {TRANSIT_FILLFACTOR})")
    derive.migrate(conn)


def _v8_second_source_and_annual_figures(conn: sa.Connection) -> None:
    from load.series import SERIES_VIEWS  # the views are written from derive's ranking, which reads this module
    _add_source_kind(conn, [transit, history, slices, version_rows])
    metadata.create_all(conn, tables=[transit_annual, annual_history, annual_slices, annual_version_rows],
                        checkfirst=True)
    _add_ledger_time(conn, "accepted_at")
    for name, body in SERIES_VIEWS.items():
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {body}"))


# Version -> the step that brings a warehouse from version-1 to it. Steps 1-6 create and alter
# the frozen shapes of load/schema_v6.py; a new warehouse runs every step.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {
    1: _v1_tables,
    2: _v2_views_and_indexes,
    3: dimensions.create,  # dim_country, dim_region and the views that join them
    4: _v4_republish_and_history_without_key,
    5: _v5_duckdb_current_without_key,
    6: _v6_ledger_refused_and_pruned,
    7: _v7_version_rows,  # etl_version_rows, filled from the warehouse and checked (issue 14)
    8: _v8_second_source_and_annual_figures,  # source_kind, the annual tables, the series views (issue 15)
}
LATEST = max(MIGRATIONS)


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
            MIGRATIONS[version](conn)
            conn.execute(sa.insert(schema_version).values(
                version=version, applied_at=datetime.now(timezone.utc)))
