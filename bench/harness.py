"""The bench's measuring tools: timings side by side and their goals, memory of a process tree, the environments cases run in, the table.

Ratios, not seconds, are what count: the machine is small and noisy. "×" is case time /
baseline time for `≤` goals and baseline time / case time (a speed-up or a throughput share)
for `≥` goals.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.processes import processes

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

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
    """One line of the table: a case's and its baseline's median seconds, their ratio, the goal and whether it was met."""

    case: str
    baseline_s: float | None
    case_s: float | None
    ratio: float | None
    goal: str
    passed: bool | None
    note: str = ""
    samples: dict = field(default_factory=dict)


# ------------------------------------------------------------------ timing

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
    """`environ` less every DARIEN_* variable but DARIEN_TEST_PG, the bench's PostgreSQL (bench.run chose it)."""
    return {name: value for name, value in environ.items()
            if not name.startswith("DARIEN_") or name == "DARIEN_TEST_PG"}


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
    for process in processes():
        tree.setdefault(process.ppid, []).append(process.pid)
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

# ------------------------------------------------------------------ the table

def machine() -> dict:
    """The machine the table was measured on: CPUs, CPU model, memory, Python."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    return {"cpus": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version()}


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row]) -> str:
    header = ("case", "baseline", "case", "ratio", "goal", "result")
    lines = [header] + [(r.case, fmt(r.baseline_s), fmt(r.case_s), f"{r.ratio:.2f}×", r.goal,
                         "not judged" if r.passed is None else "pass" if r.passed else "FAIL")
                        for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)

