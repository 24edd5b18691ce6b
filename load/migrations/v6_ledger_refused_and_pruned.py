"""Version 6: the ledger tells a refused fetch from a skipped document, and records when retention pruned a file."""

from __future__ import annotations

import sqlalchemy as sa

from load.migrations.alterations import add_ledger_time


def apply(conn: sa.Connection) -> None:
    # Until version 6 a refused fetch was "skipped"; skipped now means read and found no Darién document.
    conn.execute(sa.text("UPDATE etl_documents SET status = 'refused' WHERE status = 'skipped'"))
    add_ledger_time(conn, "pruned_at")
