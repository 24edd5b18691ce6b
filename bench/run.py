"""`make bench`: every case beside its bare baseline in the same run, medians, ratios and goals.

    python -m bench.run           full run; exits 1 when a goal is missed
    python -m bench.run --quick   a few documents, 20,000 rows, one repetition; judges nothing

Prints one table and writes bench/results.json. Ratios, not seconds, are what count: the
machine is small and noisy. "×" is case time / baseline time for `≤` goals and baseline
time / case time (a speed-up or a throughput share) for `≥` goals.

The caller's DARIEN_* variables never reach a case: each runs with SETTINGS and a data folder
and warehouse of its own under a temporary folder. The one input read from the environment
is DARIEN_TEST_PG, the PostgreSQL the publish cases use (the test suite's, by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench import corpus
from bench.site import Site

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
PYTHON = sys.executable
PG_BASE = os.environ.get("DARIEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MEMORY_LIMIT_MB = 1536

# Every setting the cases run with, whatever the caller has set. The crawler's pacing is off:
# one second per request to a host is ~200 s of sleeping per crawl of the full archive, which
# would hide every cost measured here (the summary line says so).
SETTINGS = {
    "DARIEN_WORKERS": "2",
    "DARIEN_PARSE_TIMEOUT": "120",
    "DARIEN_MAX_DOCUMENT_BYTES": str(50 * 1024 * 1024),
    "DARIEN_LOCK_WAIT": "0",
    "DARIEN_JUMP_FACTOR": "10",
    "DARIEN_REQUEST_INTERVAL": "0",
    "DARIEN_FRESHNESS_DAYS": "45",
    "DARIEN_ALLOWED_HOSTS": "",
    "DARIEN_KEEP_RAW_DAYS": "forever",
    "DARIEN_KEEP_QUARANTINE_DAYS": "365",
    "DARIEN_KEEP_DOCS_DAYS": "90",
    "DARIEN_KEEP_BACKUPS_DAYS": "90",
}


@dataclass
class Row:
    case: str
    baseline_s: float | None
    case_s: float | None
    ratio: float | None
    goal: str
    passed: bool | None
    note: str = ""
    samples: dict = field(default_factory=dict)


@dataclass
class Profile:
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
QUICK = Profile(True, reps=1, flow_reps=1, backfill_reps=1, db_reps=1, rows=20_000, years=(2024, 2025), months=1, real=False, held=(20, 40), scale_reps=1)


# ------------------------------------------------------------------ helpers

def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def side_by_side(case, baseline, reps: int) -> tuple[list[float], list[float]]:
    """Alternate case and baseline `reps` times so drift on the machine hits both alike."""
    case_s, base_s = [], []
    for _ in range(reps):
        base_s.append(timed(baseline))
        case_s.append(timed(case))
    return case_s, base_s


def at_most(case_s: list[float], base_s: list[float], name: str, factor: float, quick: bool) -> Row:
    ratio = median(case_s) / median(base_s)
    return Row(name, median(base_s), median(case_s), ratio, f"≤ {factor:g}×",
               None if quick else ratio <= factor, samples={"case": case_s, "baseline": base_s})


def at_least(case_s: list[float], base_s: list[float], name: str, factor: float, quick: bool) -> Row:
    ratio = median(base_s) / median(case_s)
    return Row(name, median(base_s), median(case_s), ratio, f"≥ {factor:g}×",
               None if quick else ratio >= factor, samples={"case": case_s, "baseline": base_s})


# ------------------------------------------------------------------ environments

def without_darien(environ: dict[str, str]) -> dict[str, str]:
    """`environ` less every DARIEN_* variable."""
    return {name: value for name, value in environ.items() if not name.startswith("DARIEN_")}


@contextmanager
def bench_environ() -> Iterator[None]:
    """The bench process's environment, for the in-process cases: the caller's DARIEN_* out, SETTINGS in."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**without_darien(saved), **SETTINGS})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def flow_env(base: dict[str, str], data_dir: Path, sources: str, **settings: str) -> dict[str, str]:
    """A flow subprocess's environment: `base` less DARIEN_*, SETTINGS, and its own folder, warehouse and sources."""
    return {**without_darien(base), **SETTINGS, "DARIEN_DATA_DIR": str(data_dir),
            "DARIEN_WAREHOUSE_URL": f"duckdb:///{data_dir / 'warehouse.duckdb'}",
            "DARIEN_SOURCE_URL": sources, **settings}


# ------------------------------------------------------------------ process trees

def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, from /proc/<pid>/status VmRSS."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        todo += tree.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_tree(argv: list[str], env: dict, label: str) -> tuple[float, float, str]:
    """Run a subprocess; return its wall time, the peak RSS (MB) of its process tree, and its stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if proc.returncode not in (0, 3):  # 3: finished, some documents quarantined (named on stderr)
        tail = (err or out).strip().splitlines()[-5:]
        raise RuntimeError(f"{label}: exit {proc.returncode}: {' | '.join(tail)}")
    return elapsed, peak[0], out


# ------------------------------------------------------------------ Prefect server

class PrefectServer:
    """One Prefect server on 127.0.0.1 for the whole bench run: every flow subprocess talks to it.

    Entering launches it and returns at once, so a quick run overlaps its start with the
    in-process cases; `ready()` waits for its health check.
    """

    def __init__(self, home: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = {**without_darien(os.environ), "PREFECT_HOME": str(home),
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                    "PREFECT_API_URL": f"http://127.0.0.1:{self.port}/api",
                    "PREFECT_LOGGING_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "PrefectServer":
        prefect = str(Path(PYTHON).with_name("prefect"))
        self.proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port",
                                      str(self.port)], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        return self

    def ready(self) -> "PrefectServer":
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/health", timeout=2):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"prefect server exited with {self.proc.returncode}") from None
                time.sleep(0.5)
        raise RuntimeError("prefect server did not answer /api/health within 90 s")

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)  # the server's own process group (start_new_session)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


# ------------------------------------------------------------------ cases

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


def flow_cases(p: Profile, work: Path, server: PrefectServer) -> list[Row]:
    """Backfill at 2 workers vs 1, the unchanged nightly vs a bare flow, and memory, all in subprocesses."""
    rows = []
    archive = corpus.build(years=p.years, months=p.months, real=p.real)
    half = corpus.build(years=p.years[: max(1, len(p.years) // 2)], months=p.months, real=p.real)
    with Site(archive) as site:
        years = ["--from-year", str(min(p.years[0], 2022)), "--to-year", str(max(p.years[-1], 2023))]

        def backfill(workers: int, served: Site, tag: str) -> tuple[float, float, Path, str]:
            data = work / f"data-{tag}-{uuid.uuid4().hex[:6]}"
            env = flow_env(server.env, data, corpus.sources(served.url), DARIEN_WORKERS=str(workers))
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
        row = at_least(two, one, f"backfill --force, {site.documents} docs: 2 workers vs 1", 1.6, p.quick)
        row.note = summary
        rows.append(row)

        # The nightly on a warehouse that holds everything the site serves: all 304/unchanged.
        nightly_argv = [PYTHON, "-m", "bench.driver", "darien", "run"]
        nightly_env = flow_env(server.env, loaded, corpus.sources(site.url))
        bare_argv = [PYTHON, "-m", "bench.driver", "bare"]
        case_s, base_s, out = [], [], ""
        for _ in range(p.flow_reps):
            base_s.append(run_tree(bare_argv, server.env, "bare flow")[0])
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
    admin = sa.create_engine(PG_BASE, poolclass=sa.pool.NullPool)

    def pg_schema() -> tuple[str, str]:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        return schema, f"{PG_BASE}?options=-csearch_path%3D{schema}"

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
    rows.append(at_least(once_s, base_s, f"publish {p.rows:,} rows, PostgreSQL vs COPY", 0.5, p.quick))
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
    rows.append(at_least(once_s, base_s, f"publish {p.rows:,} rows, DuckDB vs INSERT…SELECT", 0.5, p.quick))
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
    admin = sa.create_engine(PG_BASE, poolclass=sa.pool.NullPool)
    schemas = {held: f"bench_{uuid.uuid4().hex[:12]}" for held in p.held}
    folder = Path(tempfile.mkdtemp(dir=work))
    urls = {"DuckDB": {held: f"duckdb:///{folder / f'scale{held}.duckdb'}" for held in p.held},
            "PostgreSQL": {held: f"{PG_BASE}?options=-csearch_path%3D{schema}"
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


# ------------------------------------------------------------------ report

def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cpus": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version()}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row]) -> str:
    header = ("case", "baseline", "case", "ratio", "goal", "result")
    lines = [header] + [(r.case, _fmt(r.baseline_s), _fmt(r.case_s), f"{r.ratio:.2f}×", r.goal,
                         "not judged" if r.passed is None else "pass" if r.passed else "FAIL")
                        for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition, no goals judged")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"JSON output (default {RESULTS})")
    parser.add_argument("--only", choices=("parse", "publish", "flows"),
                        help="run one group of cases: parse, publish (bulk and scale) or flows")
    args = parser.parse_args(argv)
    p = QUICK if args.quick else FULL
    started = time.perf_counter()
    rows: list[Row] = []
    with bench_environ(), tempfile.TemporaryDirectory(prefix="darien-bench-") as tmp:
        work = Path(tmp)
        with PrefectServer(work / "prefect") as server:
            if not p.quick and args.only in (None, "flows"):
                server.ready()  # its start-up would otherwise disturb the timings of a full run
            steps = {"parse": lambda: [parse_case(p)],
                     "publish": lambda: publish_cases(p, work) + scale_cases(p, work),
                     "flows": lambda: flow_cases(p, work, server.ready())}
            for group, step in steps.items():
                if args.only not in (None, group):
                    continue
                for row in step():
                    rows.append(row)
                    print(f"  {row.case}: {row.ratio:.2f}× ({_fmt(row.baseline_s)} → {_fmt(row.case_s)})",
                          flush=True)
    print()
    print(table(rows))
    for row in rows:
        if row.note:
            print(f"  {row.case}: {row.note}")
    info = machine()
    print(f"\n{info['cpus']} CPUs ({info['cpu']}), {info['memory_gb']} GB, Python {info['python']}; "
          f"{'quick' if p.quick else 'full'} run in {time.perf_counter() - started:.0f} s. "
          "Seconds are medians; backfill and nightly run without the crawler's 1 s/request pacing.")
    args.results.write_text(json.dumps({"mode": "quick" if p.quick else "full", "machine": info,
                                   "rows": [asdict(r) for r in rows]}, indent=1, ensure_ascii=False))
    missed = [r.case for r in rows if r.passed is False]
    if missed and not p.quick:
        print(f"goals missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
