"""Time each step and statement of one publish and one republish of the bench's synthetic rows.

    python -m bench.profile_publish [--rows N] [--db duckdb|postgresql|both]

Prints, per database, the seconds spent in each step of load.publish (stage, append, rank,
refresh_current, refresh_history, ledger) and the slowest SQL statements. Not a goal: the ratios
are judged by `python -m bench.run --only publish`.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.cases import pg_base, synthetic_batch
from tests.postgres import chosen_postgres, join_query

# Module -> the functions timed, by the names their callers look up (load.append calls its own bulk_insert).
STEPS = {"load.publish": ("_stage", "_remove_version"),
         "load.ranking": ("touch", "tops", "rank"),
         "load.derive": ("refresh_current", "refresh_history"),
         "load.append": ("append_top", "bulk_insert", "_append_continued"),
         "load.bulk": ("bulk_insert",)}


@contextmanager
def timing(steps: dict, statements: list):
    import importlib

    saved = []
    for module_name, names in STEPS.items():
        module = importlib.import_module(module_name)
        for name in names:
            fn = getattr(module, name, None)
            if fn is None:
                continue

            def wrapped(*a, _fn=fn, _name=name, **k):
                started = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    steps[_name] += time.perf_counter() - started
            saved.append((module, name, fn))
            setattr(module, name, wrapped)

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - conn.info.pop("t0"), " ".join(statement.split())[:160]))

    sa.event.listen(sa.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.Engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", before)
        sa.event.remove(sa.Engine, "after_cursor_execute", after)
        for module, name, fn in saved:
            setattr(module, name, fn)


def profile(url: str, label: str, rows: int) -> None:
    import load

    first = synthetic_batch(rows, "a" * 64, date(2025, 12, 31))
    again = synthetic_batch(rows, "b" * 64, date(2025, 12, 31) + timedelta(days=1))
    again.rows["persons"] = first.rows["persons"]
    engine = load.connect(url)
    try:
        load.ensure_schema(engine)
        for what, batch in (("publish", first), ("republish", again)):
            steps, statements = defaultdict(float), []
            with timing(steps, statements):
                started = time.perf_counter()
                load.publish(engine, batch)
                total = time.perf_counter() - started
            print(f"\n{label} {what} {rows:,} rows: {total:.2f} s")
            for name, seconds in steps.items():
                print(f"  step {name:<18} {seconds:7.2f} s")
            for seconds, text in sorted(statements, reverse=True)[:8]:
                print(f"  {seconds:7.2f} s  {text}")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("duckdb", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.db in ("duckdb", "both"):
        folder = Path(tempfile.mkdtemp())
        try:
            profile(f"duckdb:///{folder / 'w.duckdb'}", "DuckDB", args.rows)
        finally:
            shutil.rmtree(folder)
    if args.db in ("postgresql", "both"):
        with chosen_postgres():
            profile_postgres(args.rows)


def profile_postgres(rows: int) -> None:
    """The profile on a fresh schema of the bench's PostgreSQL, dropped after."""
    admin = sa.create_engine(pg_base(), poolclass=sa.pool.NullPool)
    schema = f"prof_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        profile(join_query(pg_base(), f"options=-csearch_path%3D{schema}"), "PostgreSQL", rows)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    main()
