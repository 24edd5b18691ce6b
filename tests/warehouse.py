"""Reading a warehouse in tests: plain SQL over a fresh connection, nothing pooled or held open."""

from __future__ import annotations

import sqlalchemy as sa


def query(url: str, sql: str) -> list[tuple]:
    """The rows of `sql` on the warehouse at `url`."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()
