"""Version 2: the views of the current figures, and the ledger's index by sha256."""

from __future__ import annotations

import sqlalchemy as sa

from load.views import VIEWS


def apply(conn: sa.Connection) -> None:
    for name, body in VIEWS.items():
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {body}"))
    conn.execute(sa.text(
        "CREATE INDEX IF NOT EXISTS ix_documents_sha256 ON etl_documents (sha256)"))
