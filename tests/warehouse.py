"""Reading a warehouse in tests: plain SQL over a fresh connection, nothing pooled or held open."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tests.postgres import MACHINE_PG, join_query


def query(url: str, sql: str) -> list[tuple]:
    """The rows of `sql` on the warehouse at `url`."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def pg_base() -> str:
    """The URL of the tests' PostgreSQL `test` database, chosen by tests/postgres.py for the session."""
    return os.environ.get("DARIEN_TEST_PG", MACHINE_PG)


@contextmanager
def pg_schema() -> Iterator[str]:
    """A warehouse URL on a fresh schema of the `test` database (through search_path), dropped after.

    Each test (or module) gets its own schema, so tests and parallel runs never see each
    other's tables.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = pg_base()
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield join_query(base, f"options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
