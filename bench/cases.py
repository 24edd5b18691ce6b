"""The bench's cases, each beside its bare baseline: parsing a real PDF, publishing (bulk and at scale), and the flows.

The publish cases use the PostgreSQL that bench.run chose and exported as DARIEN_TEST_PG (tests/postgres.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench import corpus
from bench.harness import PYTHON, Row, at_least, at_most, flow_env, run_tree, side_by_side, timed
from bench.site import Site
from tests.postgres import MACHINE_PG, join_query


def pg_base() -> str:
    """The URL of the bench's PostgreSQL database (chosen by bench.run, as the tests choose theirs)."""
    return os.environ.get("DARIEN_TEST_PG", MACHINE_PG)


MEMORY_LIMIT_MB = 1536
# A publish writes three tables, 48 columns a row (version rows 11, current 17, history 20);
# the baseline writes one table of 17. At the baseline's own cost per cell: 17/48 = 0.35.
PUBLISH_GOAL = round(17 / 48, 2)


@dataclass
class Profile:
    """How big and how often: the full run's sizes and repetitions, or the quick run's."""

    quick: bool
    reps: int
    flow_reps: int
    backfill_reps: int
    db_reps: int
    rows: int
    years: tuple[int, ...]
    months: int
    real: bool
    held: tuple[int, int]  # versions of other years already in the warehouse, small then large
    scale_reps: int  # timed publishes of the real PDF per warehouse size (each well under a second)


FULL = Profile(False, reps=5, flow_reps=3, backfill_reps=1, db_reps=2, rows=1_000_000, years=corpus.YEARS, months=12, real=True, held=(200, 400), scale_reps=9)
QUICK = Profile(True, reps=1, flow_reps=1, backfill_reps=1, db_reps=1, rows=20_000, years=(2024, 2025), months=1, real=False, held=(4, 8), scale_reps=1)


def parse_case(p: Profile) -> Row:
    """transform.parse_document of the real 2023 PDF vs bare pdfplumber extract_words over its pages."""
    import pdfplumber

    import transform

    document = corpus.SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"

    def bare() -> None:
        with pdfplumber.open(document) as pdf:
            for page in pdf.pages:
                page.extract_words()
                page.close()

    def case() -> None:
        transform.parse_document(document)

    if not p.quick:
        bare(), case()  # imports and first-use caches outside the timing
    case_s, base_s = side_by_side(case, bare, p.reps * (1 if p.quick else 2))
    return at_most(case_s, base_s, "parse one real document", 1.5, p.quick)


def flow_cases(p: Profile, work: Path, server_env: dict[str, str]) -> list[Row]:
    """Backfill at 2 workers vs 1, the unchanged nightly vs a bare flow, and memory, all in subprocesses
    talking to the Prefect server whose environment is `server_env`."""
    rows = []
    archive = corpus.build(years=p.years, months=p.months, real=p.real)
    half = corpus.build(years=p.years[: max(1, len(p.years) // 2)], months=p.months, real=p.real)
    with Site(archive) as site:
        years = ["--from-year", str(min(p.years[0], 2022)), "--to-year", str(max(p.years[-1], 2023))]

        def backfill(workers: int, served: Site, tag: str) -> tuple[float, float, Path, str]:
            data = work / f"data-{tag}-{uuid.uuid4().hex[:6]}"
            env = flow_env(server_env, data, corpus.sources(served.url), DARIEN_WORKERS=str(workers))
            argv = [PYTHON, "-m", "bench.driver", "darien", "backfill", "--force", *years]
            seconds, peak, out = run_tree(argv, env, f"backfill ({workers} worker(s))")
            return seconds, peak, data, out.strip().splitlines()[0] if out.strip() else ""

        two, one, peaks = [], [], []
        loaded = None
        summary = ""
        # A full backfill takes minutes: one run of each beside the other (say so in the notes).
        for _ in range(p.backfill_reps):
            s1, m1, _, _ = backfill(1, site, "w1")
            s2, m2, loaded, summary = backfill(2, site, "w2")
            one.append(s1)
            two.append(s2)
            peaks += [m1, m2]
        row = at_least(two, one, f"backfill --force, {site.documents} docs: 2 workers vs 1", 1.5, p.quick)
        row.note = summary
        rows.append(row)

        # The nightly on a warehouse that holds everything the site serves: all 304/unchanged.
        nightly_argv = [PYTHON, "-m", "bench.driver", "darien", "run"]
        nightly_env = flow_env(server_env, loaded, corpus.sources(site.url))
        bare_argv = [PYTHON, "-m", "bench.driver", "bare"]
        case_s, base_s, out = [], [], ""
        for _ in range(p.flow_reps):
            base_s.append(run_tree(bare_argv, server_env, "bare flow")[0])
            seconds, _, out = run_tree(nightly_argv, nightly_env, "nightly")
            case_s.append(seconds)
        row = at_most(case_s, base_s, "nightly, nothing changed vs bare flow", 1.5, p.quick)
        row.note = out.strip().splitlines()[0] if out.strip() else ""
        rows.append(row)

        peak = max(peaks)
        rows.append(Row("memory: peak RSS of backfill tree (MB)", MEMORY_LIMIT_MB, peak,
                        peak / MEMORY_LIMIT_MB, "≤ 1.0 of 1.5 GB",
                        None if p.quick else peak <= MEMORY_LIMIT_MB, samples={"peaks_mb": peaks}))
        with Site(half) as small:
            _, half_peak, _, _ = backfill(2, small, "half")
        full_peak = max(m for m in peaks[1::2])  # the 2-worker runs, as the half-archive run
        growth = full_peak / half_peak
        rows.append(Row(f"memory: {small.documents} → {site.documents} docs (MB)", half_peak, full_peak,
                        growth, "< 1.2×", None if p.quick else growth < 1.2))
    return rows


def synthetic_batch(n: int, sha: str, as_of: date):
    """A Batch of `n` contract rows over 16 years × 12 months of made-up country categories."""
    import numpy as np
    import pandas as pd

    from darien import contract

    cells = 16 * 12
    per_cell = -(-n // cells)
    idx = np.arange(n)
    cell, cat = idx // per_cell, idx % per_cell
    codes = np.char.add("C", np.char.zfill(cat.astype(str), 5))
    rng = np.random.default_rng(7)
    url = "http://127.0.0.1/bench/synthetic.pdf"
    rows = pd.DataFrame({
        "year": 2010 + cell // 12, "month": cell % 12 + 1, "breakdown": "country",
        "category": codes, "label": codes, "persons": rng.integers(0, 90_000, n),
        "note": None, "preliminary": False, "as_of": pd.Timestamp(as_of), "source_url": url,
        "source_sha256": sha, "source_table": "Cuadro No. 003", "source_page": 2,
        "pipeline_version": contract.PIPELINE_VERSION, "load_id": None,
        "loaded_at": pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]"),
        "source_kind": "snm",
    }).astype(contract.COLUMNS)
    return contract.Batch(source_url=url, source_sha256=sha, year=2025, as_of=as_of,
                          preliminary=False, rows=rows, reconciliation=contract.empty_reconciliation())


def create_baseline(url: str, name: str) -> None:
    """Create a baseline's table: the warehouse's own current table, under another name.

    The same columns, types and key as what publish writes into: the primary key on
    PostgreSQL; on DuckDB none, as the warehouse's own table has none (load/schema.py).
    """
    import sqlalchemy as sa

    import load.schema

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:  # (a copy by Table.to_metadata would lose the key's ddl_if)
            load.schema.transit.create(conn)
            conn.exec_driver_sql(f"ALTER TABLE {load.schema.transit.name} RENAME TO {name}")
    finally:
        engine.dispose()


def publish_cases(p: Profile, work: Path) -> list[Row]:
    """load.publish of synthetic rows (then the same figures again in a newer document) vs bulk loads."""
    import sqlalchemy as sa

    import load

    first = synthetic_batch(p.rows, "a" * 64, date(2025, 12, 31))
    again = synthetic_batch(p.rows, "b" * 64, date(2025, 12, 31) + timedelta(days=1))
    again.rows["persons"] = first.rows["persons"]
    rows = []
    admin = sa.create_engine(pg_base(), poolclass=sa.pool.NullPool)

    def pg_schema() -> tuple[str, str]:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        return schema, join_query(pg_base(), f"options=-csearch_path%3D{schema}")

    def drop(schema: str) -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')

    def pg_copy() -> float:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        schema, url = pg_schema()
        create_baseline(url, "bare_copy")
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            raw = engine.raw_connection()
            try:
                started = time.perf_counter()
                sink = pa.BufferOutputStream()
                table = pa.Table.from_pandas(first.rows, preserve_index=False).combine_chunks()
                pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False,
                                                                quoting_style="all_valid"))
                with raw.cursor() as cursor:
                    with cursor.copy("COPY bare_copy FROM STDIN (FORMAT csv)") as copy:
                        copy.write(memoryview(sink.getvalue()))
                raw.commit()
                return time.perf_counter() - started
            finally:
                raw.close()
        finally:
            engine.dispose()
            drop(schema)

    def publish_twice(url: str) -> tuple[float, float]:
        engine = load.connect(url)
        try:
            load.ensure_schema(engine)
            once = timed(lambda: load.publish(engine, first))
            twice = timed(lambda: load.publish(engine, again))
        finally:
            engine.dispose()
        return once, twice

    base_s, once_s, twice_s = [], [], []
    for _ in range(p.db_reps):
        base_s.append(pg_copy())
        schema, url = pg_schema()
        try:
            once, twice = publish_twice(url)
        finally:
            drop(schema)
        once_s.append(once)
        twice_s.append(twice)
    admin.dispose()
    rows.append(at_least(once_s, base_s, f"publish {p.rows:,} rows, PostgreSQL vs COPY", PUBLISH_GOAL, p.quick))
    rows.append(at_least(twice_s, base_s, "republish same figures, PostgreSQL vs COPY", 0.5, p.quick))

    import duckdb

    def duck_insert() -> float:
        folder = Path(tempfile.mkdtemp(dir=work))
        create_baseline(f"duckdb:///{folder / 'bare.duckdb'}", "bare_insert")
        conn = duckdb.connect(str(folder / "bare.duckdb"))
        try:
            frame = first.rows
            started = time.perf_counter()
            conn.register("bare_frame", frame)
            conn.execute("INSERT INTO bare_insert SELECT * FROM bare_frame")
            conn.unregister("bare_frame")
            return time.perf_counter() - started
        finally:
            conn.close()
            shutil.rmtree(folder)

    base_s, once_s, twice_s = [], [], []
    for _ in range(p.db_reps):
        base_s.append(duck_insert())
        folder = Path(tempfile.mkdtemp(dir=work))
        try:
            once, twice = publish_twice(f"duckdb:///{folder / 'warehouse.duckdb'}")
        finally:
            shutil.rmtree(folder)
        once_s.append(once)
        twice_s.append(twice)
    rows.append(at_least(once_s, base_s, f"publish {p.rows:,} rows, DuckDB vs INSERT…SELECT", PUBLISH_GOAL, p.quick))
    rows.append(at_least(twice_s, base_s, "republish same figures, DuckDB vs INSERT…SELECT", 0.5, p.quick))
    return rows


def other_years(real, count: int, start: int = 0):
    """`count` versions of years other than 2023, 12 a year as the bench corpus: the real 2023
    rows moved to the year, re-published monthly with every figure a little higher each month."""
    import hashlib

    import pandas as pd

    from darien import contract

    for i in range(start, start + count):
        year, month = 1990 + i // 12, i % 12 + 1
        year += year >= 2023  # never 2023, the year measured
        frame = real.rows.copy()
        sha = hashlib.sha256(f"bench {year}-{month}".encode()).hexdigest()
        frame["year"], frame["persons"] = year, frame["persons"] + month
        frame["as_of"] = pd.Timestamp(date(year, month, 28))
        url = f"http://127.0.0.1/bench/{year}-{month}.pdf"
        frame["preliminary"], frame["source_sha256"], frame["source_url"] = month < 12, sha, url
        yield contract.Batch(source_url=url, source_sha256=sha,
                             year=year, as_of=date(year, month, 28), preliminary=month < 12,
                             rows=frame.astype(contract.COLUMNS), reconciliation=real.reconciliation)


def withdraw(engine, batch) -> None:
    """Take a published version out again, so that the same publish can be timed once more."""
    with engine.begin() as conn:
        for table in ("darien_transit", "darien_transit_history", "etl_version_rows", "etl_slices"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE year = {batch.year}")
        for table, column in (("etl_loads", "source_sha256"), ("etl_documents", "sha256")):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE {column} = '{batch.source_sha256}'")


def scale_cases(p: Profile, work: Path) -> list[Row]:
    """The real 2023 PDF published into a warehouse holding p.held[0], and one holding p.held[1], versions of other years.

    Both warehouses are filled first; the timed publishes then alternate between them (each
    publish withdrawn again), so that drift in the machine's load hits both sides alike, and
    each side's median is over p.scale_reps publishes.
    """
    import sqlalchemy as sa

    import load
    import transform

    real = transform.parse_document(corpus.SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf")
    small, large = p.held
    admin = sa.create_engine(pg_base(), poolclass=sa.pool.NullPool)
    schemas = {held: f"bench_{uuid.uuid4().hex[:12]}" for held in p.held}
    folder = Path(tempfile.mkdtemp(dir=work))
    urls = {"DuckDB": {held: f"duckdb:///{folder / f'scale{held}.duckdb'}" for held in p.held},
            "PostgreSQL": {held: join_query(pg_base(), f"options=-csearch_path%3D{schema}")
                           for held, schema in schemas.items()}}
    with admin.begin() as conn:
        for schema in schemas.values():
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    rows = []
    try:
        for name, by_held in urls.items():
            engines = {held: load.connect(url) for held, url in by_held.items()}
            try:
                for held, engine in engines.items():
                    load.ensure_schema(engine)
                    for batch in other_years(real, held):
                        load.publish(engine, batch)

                def publish_into(held: int):
                    def run() -> None:
                        load.publish(engines[held], real)
                    return run

                for held, engine in engines.items():  # the first publish warms the caches
                    load.publish(engine, real)
                    withdraw(engine, real)
                samples = {held: [] for held in p.held}
                for _ in range(p.scale_reps):
                    for held in p.held:
                        samples[held].append(timed(publish_into(held)))
                        withdraw(engines[held], real)
            finally:
                for engine in engines.values():
                    engine.dispose()
            rows.append(at_most(samples[large], samples[small],
                                f"publish the real 2023 PDF, {name}: {large} vs {small} versions held",
                                1.2, p.quick))
    finally:
        with admin.begin() as conn:
            for schema in schemas.values():
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
        shutil.rmtree(folder)
    return rows
