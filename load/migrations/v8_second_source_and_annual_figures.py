"""Version 8: a second source (source_kind), the annual tables, operators' acceptance, and the series views."""

from __future__ import annotations

import sqlalchemy as sa

from load import schema
from load.migrations.alterations import add_ledger_time, add_source_kind
from load.views import SERIES_VIEWS


def apply(conn: sa.Connection) -> None:
    add_source_kind(conn, [schema.transit, schema.history, schema.slices, schema.version_rows])
    annual = [schema.transit_annual, schema.annual_history, schema.annual_slices, schema.annual_version_rows]
    schema.metadata.create_all(conn, tables=annual, checkfirst=True)
    add_ledger_time(conn, "accepted_at")
    for name, body in SERIES_VIEWS.items():
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {body}"))
