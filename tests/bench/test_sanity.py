"""The bench's own check of its run (bench/sanity.py): a sound run passes, each unsound case is named.

CI runs the quick bench itself (.ci/run, `make bench QUICK=1`); these tests keep its check honest.
"""

from __future__ import annotations

import copy

import pytest

from bench.harness import Row, flow_env, without_darien
from bench.sanity import problems


def _rows() -> list[Row]:
    return [Row("parse one real document", 1.0, 1.2, 1.2, "≤ 1.5×", None),
            Row("backfill --force, 2 docs: 2 workers vs 1", 30.0, 20.0, 1.5, "≥ 1.5×", None,
                note="documents: 2 found, 2 new or changed, 2 loaded, 0 quarantined, 0 failed"),
            Row("nightly, nothing changed vs bare flow", 5.0, 6.0, 1.2, "≤ 1.5×", None,
                note="documents: 2 found, 0 new or changed, 0 loaded, 0 quarantined, 0 failed")]


def _steps() -> dict:
    publish = {"total_s": 2.0, "_stage": 0.5, "touch": 0.1, "tops": 0.1, "rank": 0.2,
               "writes darien_transit": 0.3, "writes darien_transit_history": 0.3}
    republish = {"total_s": 1.5, "_stage": 0.5, "touch": 0.1, "tops": 0.1, "rank": 0.2,
                 "writes darien_transit": 0.2, "compare": 0.2}
    return {"DuckDB": {"publish": publish, "republish": republish},
            "PostgreSQL": {"publish": dict(publish), "republish": dict(republish)}}


def test_a_sound_run_has_no_problems():
    assert problems(_rows(), _steps()) == []


@pytest.mark.parametrize("breakage, named", [
    (lambda rows, steps: setattr(rows[1], "note", "documents: 2 found, 2 new or changed, 1 loaded, 1 quarantined, 0 failed"),
     "backfill --force, 2 docs: 2 workers vs 1: the backfill did not load every document"),
    (lambda rows, steps: setattr(rows[2], "note", "documents: 2 found, 2 new or changed, 2 loaded, 0 quarantined, 0 failed"),
     "nightly, nothing changed vs bare flow: the nightly did not find every document unchanged"),
    (lambda rows, steps: setattr(rows[0], "ratio", float("nan")), "parse one real document: no ratio"),
    (lambda rows, steps: steps["PostgreSQL"]["publish"].pop("writes darien_transit_history"),
     "publish steps on PostgreSQL: the first publish wrote no current rows or no history"),
    (lambda rows, steps: steps["DuckDB"]["republish"].update({"writes darien_transit_history": 0.1}),
     "publish steps on DuckDB: the same figures again did not write current rows alone"),
    (lambda rows, steps: steps["DuckDB"]["publish"].update({"_stage": 0}),
     "publish steps on DuckDB: publish: staging took 0 s of 2.0 s"),
    (lambda rows, steps: steps["DuckDB"]["republish"].pop("compare"),
     "publish steps on DuckDB: only the republish compares"),
    (lambda rows, steps: steps["PostgreSQL"].pop("republish"), "publish steps on PostgreSQL: no republish was timed"),
])
def test_each_unsound_case_is_named(breakage, named):
    rows, steps = _rows(), copy.deepcopy(_steps())
    breakage(rows, steps)

    found = problems(rows, steps)

    assert [line for line in found if line.startswith(named)], found


def test_the_callers_darien_settings_never_reach_a_case(tmp_path):
    caller = {"PATH": "/usr/bin", "DARIEN_WAREHOUSE_URL": "duckdb:///elsewhere.duckdb", "DARIEN_WORKERS": "7",
              "DARIEN_KEEP_RAW_DAYS": "0", "DARIEN_TEST_PG": "postgresql+psycopg://postgres@127.0.0.1/test"}

    env = flow_env(caller, tmp_path / "data", "http://127.0.0.1:1/")

    assert without_darien(caller) == {"PATH": "/usr/bin", "DARIEN_TEST_PG": caller["DARIEN_TEST_PG"]}
    assert env["DARIEN_WAREHOUSE_URL"] == f"duckdb:///{tmp_path / 'data' / 'warehouse.duckdb'}"
    assert (env["DARIEN_WORKERS"], env["DARIEN_KEEP_RAW_DAYS"]) == ("2", "forever")
