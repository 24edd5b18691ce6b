"""`make bench QUICK=1`: every case runs beside its baseline and prints a ratio (goals are not judged in CI)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = (
    "parse one real document",
    "publish 20,000 rows, PostgreSQL vs COPY",
    "republish same figures, PostgreSQL vs COPY",
    "publish 20,000 rows, DuckDB vs INSERT…SELECT",
    "republish same figures, DuckDB vs INSERT…SELECT",
    "publish the real 2023 PDF, DuckDB: 8 vs 4 versions held",
    "publish the real 2023 PDF, PostgreSQL: 8 vs 4 versions held",
    "backfill --force, 2 docs: 2 workers vs 1",
    "nightly, nothing changed vs bare flow",
    "memory: peak RSS of backfill tree (MB)",
    "memory: 1 → 2 docs (MB)",
)


pytestmark = [pytest.mark.slow, pytest.mark.prefect, pytest.mark.postgres]


@pytest.fixture(scope="module")
def quick_bench(tmp_path_factory):
    """One `python -m bench.run --quick`: its completed process and its results.json."""
    tmp_path = tmp_path_factory.mktemp("bench")
    results = tmp_path / "results.json"
    # The caller's settings must not reach a case: were these used, the flows would share
    # one warehouse and data folder here, and DARIEN_KEEP_RAW_DAYS=0 would fail every run.
    foreign = {"DARIEN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'foreign.duckdb'}",
               "DARIEN_DATA_DIR": str(tmp_path / "foreign"), "DARIEN_WORKERS": "7",
               "DARIEN_KEEP_RAW_DAYS": "0", "DARIEN_SOURCE_URL": str(tmp_path / "foreign-source")}
    done = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--results", str(results)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **foreign})
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
    return done, json.loads(results.read_text())


def test_quick_bench_prints_every_case_with_a_ratio_and_writes_results(quick_bench):
    done, report = quick_bench
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for case in CASES:
        row = next((line for line in table if line.startswith(f"| {case} ")), None)
        assert row is not None, f"no table row for {case!r}:\n{done.stdout}"
        assert re.search(r"\| \d+\.\d\d× \|", row), row
        assert "not judged" in row, row

    assert report["mode"] == "quick"
    assert [r["case"] for r in report["rows"]] == list(CASES)
    assert all(r["ratio"] > 0 and r["passed"] is None for r in report["rows"])
    notes = {r["case"]: r["note"] for r in report["rows"]}
    # The backfill really published both documents of the quick archive, and the nightly after
    # it found every one unchanged (304): the timings are of the work the cases claim.
    assert notes["backfill --force, 2 docs: 2 workers vs 1"].startswith(
        "documents: 2 found, 2 new or changed, 2 loaded, 0 quarantined, 0 failed")
    assert notes["nightly, nothing changed vs bare flow"].startswith(
        "documents: 2 found, 0 new or changed, 0 loaded")


def test_quick_bench_prints_each_step_of_a_publish(quick_bench):
    done, report = quick_bench
    steps_table = done.stdout.split("Each step of one publish of 20,000 rows")[1]
    assert "| current: writes to darien_transit |" in steps_table
    for db in ("DuckDB", "PostgreSQL"):
        publish, republish = report["publish_steps"][db]["publish"], report["publish_steps"][db]["republish"]
        for steps in (publish, republish):
            assert 0 < steps["_stage"] < steps["total_s"]
            assert steps["touch"] + steps["tops"] + steps["rank"] + steps["_stage"] < steps["total_s"]
        # A first publish writes current rows and history; the same figures again give the
        # current rows new lineage and write no history (load/append.py).
        assert publish["writes darien_transit"] > 0 and publish["writes darien_transit_history"] > 0
        assert republish["writes darien_transit"] > 0 and "writes darien_transit_history" not in republish
        assert republish["compare"] > 0 and "compare" not in publish
