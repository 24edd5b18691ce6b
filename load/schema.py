"""The warehouse tables as they stand at the latest schema version, defined in code.

A new warehouse gets them by running every migration (load/migrations/), which start from the
frozen version-6 shapes: these definitions are what the migrations end at, and what the
derivation and publish read and write.
"""

from __future__ import annotations

import sqlalchemy as sa

from darien import contract

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
        # slice is replaced whole): its index tripled the cost of a bulk publish.
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
        # rewritten a slice at a time cost more than every lookup it served.
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
