"""Version 1: the figures, their history, the slices and the ledger, in their frozen version-6 shapes."""

from __future__ import annotations

import sqlalchemy as sa

from load.migrations import tables_v6


def apply(conn: sa.Connection) -> None:
    frozen = tables_v6
    tables = [frozen.transit, frozen.history, frozen.slices, frozen.documents, frozen.loads]
    frozen.metadata.create_all(conn, tables=tables, checkfirst=True)
