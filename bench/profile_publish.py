"""Time each step and statement of one publish and one republish of the bench's synthetic rows.

    python -m bench.profile_publish [--rows N] [--db duckdb|postgresql|both]

Prints, per database, the seconds spent in each step of load.publish (stage, rank, the current
table, history) and the slowest SQL statements. `make bench` prints the steps too
(`steps_table`). Not a goal: the ratios are judged by `python -m bench.run --only publish`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
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
WRITES = re.compile(r"(?:INSERT INTO|UPDATE|DELETE FROM) (\w+)")

# The lines of `steps_table`: a label and the timings it adds up.
LINES = (("stage: the version's rows into etl_version_rows", ("_stage",)),
         ("rank the versions of the slices touched", ("touch", "tops", "rank")),
         ("compare with the former top version (a republish)", ("compare",)),
         ("current: writes to darien_transit", ("writes darien_transit",)),
         ("history: writes to darien_transit_history", ("writes darien_transit_history",)))


@contextmanager
def timing(steps: dict, statements: list):
    """Add each STEPS function's seconds to `steps` (bulk_insert's by the table written) and each
    SQL statement's (seconds, text) to `statements`; `steps` also gets each table's writes: the
    statements writing it, and the bulk inserts into it (PostgreSQL's COPY is no statement)."""
    import importlib

    saved, inside_bulk = [], [0]
    for module_name, names in STEPS.items():
        module = importlib.import_module(module_name)
        for name in names:
            fn = getattr(module, name, None)
            if fn is None:
                continue

            def wrapped(*a, _fn=fn, _name=name, **k):
                bulk = _name == "bulk_insert"
                inside_bulk[0] += bulk
                started = time.perf_counter()
                try:
                    return _fn(*a, **k)
                finally:
                    seconds = time.perf_counter() - started
                    inside_bulk[0] -= bulk
                    steps[_name] += seconds
                    if bulk and not inside_bulk[0]:
                        steps[f"writes {a[1].name}"] += seconds
            saved.append((module, name, fn))
            setattr(module, name, wrapped)

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seconds, text = time.perf_counter() - conn.info.pop("t0"), " ".join(statement.split())
        statements.append((seconds, text[:160]))
        written = WRITES.match(text)
        if written and not inside_bulk[0]:
            steps[f"writes {written[1]}"] += seconds
        if text.startswith("CREATE TEMP TABLE _changes"):
            steps["compare"] += seconds

    sa.event.listen(sa.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.Engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", before)
        sa.event.remove(sa.Engine, "after_cursor_execute", after)
        for module, name, fn in saved:
            setattr(module, name, fn)


def measure(url: str, rows: int) -> dict[str, tuple[float, dict, list]]:
    """One publish of `rows` synthetic rows into a fresh warehouse at `url`, then a republish of
    the same figures: for each, its seconds, its steps' seconds and its statements."""
    import load

    first = synthetic_batch(rows, "a" * 64, date(2025, 12, 31))
    again = synthetic_batch(rows, "b" * 64, date(2025, 12, 31) + timedelta(days=1))
    again.rows["persons"] = first.rows["persons"]
    engine = load.connect(url)
    measured = {}
    try:
        load.ensure_schema(engine)
        for what, batch in (("publish", first), ("republish", again)):
            steps, statements = defaultdict(float), []
            with timing(steps, statements):
                started = time.perf_counter()
                load.publish(engine, batch)
                measured[what] = (time.perf_counter() - started, dict(steps), statements)
    finally:
        engine.dispose()
    return measured


def profile(url: str, label: str, rows: int) -> None:
    for what, (total, steps, statements) in measure(url, rows).items():
        print(f"\n{label} {what} {rows:,} rows: {total:.2f} s")
        for name, seconds in steps.items():
            print(f"  step {name:<32} {seconds:7.2f} s")
        for seconds, text in sorted(statements, reverse=True)[:8]:
            print(f"  {seconds:7.2f} s  {text}")


def on_both(rows: int, folder: Path) -> dict[str, dict]:
    """`measure` on a DuckDB file under `folder` and on a fresh schema of the bench's PostgreSQL."""
    with postgres_schema() as url:
        return {"DuckDB": measure(f"duckdb:///{folder / 'profile.duckdb'}", rows), "PostgreSQL": measure(url, rows)}


def steps_table(measured: dict[str, dict]) -> str:
    """A table of `on_both`'s steps: a line per LINES label, a column per database and publish; the rest and the total last."""
    columns = [(db, what, total, steps) for db, runs in measured.items() for what, (total, steps, _) in runs.items()]
    lines = [["step", *(f"{db} {what} (s)" for db, what, _, _ in columns)]]
    for label, names in LINES:
        lines.append([label, *(f"{sum(steps.get(n, 0.0) for n in names):.2f}" for *_, steps in columns)])
    counted = [sum(steps.get(n, 0.0) for _, names in LINES for n in names) for *_, steps in columns]
    lines.append(["the rest (slices, ledger, temporary tables, commit)",
                  *(f"{total - c:.2f}" for (_, _, total, _), c in zip(columns, counted))])
    lines.append(["the publish in all", *(f"{total:.2f}" for _, _, total, _ in columns)])
    out = ["| " + " | ".join(line) + " |" for line in lines]
    out.insert(1, "|---|" + "---:|" * len(columns))
    return "\n".join(out)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh schema of the bench's PostgreSQL, dropped after."""
    admin = sa.create_engine(pg_base(), poolclass=sa.pool.NullPool)
    schema = f"prof_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield join_query(pg_base(), f"options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


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
        with chosen_postgres(), postgres_schema() as url:
            profile(url, "PostgreSQL", args.rows)


if __name__ == "__main__":
    main()
