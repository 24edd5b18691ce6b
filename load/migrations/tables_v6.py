"""The tables as migrations 1-6 create them, frozen: a new warehouse migrates from 1 whatever schema.py says now.

A copy, not a reference, of load/schema.py's definitions at version 6, frozen when migration 7 came:
migration 1 creates these shapes, 4 and 5 rebuild history and the current table in them on
DuckDB, and migration 7 on starts from them. Never edit them; add a migration instead.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)


def _cell() -> list[sa.Column]:
    return [sa.Column("year", sa.Integer, nullable=False), sa.Column("month", sa.Integer, nullable=False),
            sa.Column("breakdown", sa.String, nullable=False),
            sa.Column("category", sa.String, nullable=False)]


def _source() -> list[sa.Column]:
    return [sa.Column("source_url", sa.String, nullable=False),
            sa.Column("source_sha256", sa.String, nullable=False),
            sa.Column("source_table", sa.String, nullable=False),
            sa.Column("source_page", sa.Integer, nullable=False),
            sa.Column("pipeline_version", sa.String, nullable=False)]


transit = sa.Table(
    "darien_transit", metadata, *_cell(),
    sa.Column("label", sa.String, nullable=False), sa.Column("persons", sa.BigInteger, nullable=False),
    sa.Column("note", sa.String), sa.Column("preliminary", sa.Boolean, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False), *_source(),
    sa.Column("load_id", sa.String), sa.Column("loaded_at", TZ),
    sa.PrimaryKeyConstraint("year", "month", "breakdown", "category").ddl_if(dialect="postgresql"),
)

history = sa.Table(
    "darien_transit_history", metadata, *_cell(),
    sa.Column("persons", sa.BigInteger, nullable=False), sa.Column("label", sa.String, nullable=False),
    sa.Column("note", sa.String), sa.Column("preliminary", sa.Boolean, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False), sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date), sa.Column("ended_by", sa.String), *_source(),
    sa.Column("load_id", sa.String, nullable=False), sa.Column("loaded_at", TZ, nullable=False),
)

slices = sa.Table(
    "etl_slices", metadata,
    sa.Column("year", sa.Integer, nullable=False), sa.Column("breakdown", sa.String, nullable=False),
    sa.Column("source_sha256", sa.String, nullable=False), sa.Column("source_url", sa.String, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False), sa.Column("preliminary", sa.Boolean, nullable=False),
    sa.Column("modified_at", TZ), sa.Column("first_seen_at", TZ),
    sa.Column("pipeline_version", sa.String, nullable=False), sa.Column("load_id", sa.String, nullable=False),
    sa.PrimaryKeyConstraint("year", "breakdown", "source_sha256"),
)

documents = sa.Table(
    "etl_documents", metadata,
    sa.Column("url", sa.String, nullable=False), sa.Column("sha256", sa.String, nullable=False),
    sa.Column("source", sa.String), sa.Column("etag", sa.String), sa.Column("last_modified", sa.String),
    sa.Column("content_type", sa.String), sa.Column("bytes", sa.BigInteger),
    sa.Column("first_seen_at", TZ, nullable=False), sa.Column("last_checked_at", TZ, nullable=False),
    sa.Column("kind", sa.String), sa.Column("year", sa.Integer), sa.Column("as_of", sa.Date),
    sa.Column("preliminary", sa.Boolean), sa.Column("modified_at", TZ),
    sa.Column("status", sa.String, nullable=False), sa.Column("error", sa.String),
    sa.Column("pipeline_version", sa.String), sa.Column("unknown_tables", sa.Text),
    sa.Column("validation", sa.Text), sa.Column("docs_url", sa.String), sa.Column("pruned_at", TZ),
    sa.PrimaryKeyConstraint("url", "sha256"),
)

loads = sa.Table(
    "etl_loads", metadata,
    sa.Column("load_id", sa.String, primary_key=True), sa.Column("flow_run_id", sa.String),
    sa.Column("source_url", sa.String, nullable=False), sa.Column("source_sha256", sa.String, nullable=False),
    sa.Column("pipeline_version", sa.String), sa.Column("started_at", TZ, nullable=False),
    sa.Column("finished_at", TZ, nullable=False), sa.Column("inserted", sa.BigInteger, nullable=False),
    sa.Column("updated", sa.BigInteger, nullable=False), sa.Column("deleted", sa.BigInteger, nullable=False),
    sa.Column("unchanged", sa.BigInteger, nullable=False), sa.Column("superseded", sa.Boolean, nullable=False),
)
