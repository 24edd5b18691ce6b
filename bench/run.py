"""`make bench`: every case beside its bare baseline in the same run, medians, ratios and goals.

    python -m bench.run           full run; exits 1 when a goal is missed
    python -m bench.run --quick   a few documents, 20,000 rows, one repetition; judges no goal

Either exits 1 too when a case did not do the work it times (bench/sanity.py): CI runs the
quick one (.ci/run) to keep every case working.

Prints one table, then the cost of each step of a publish (bench/profile_publish.py), and writes
bench/results.json. The cases are in bench/cases.py, the timing, memory and table in
bench/harness.py; bench/README.md keeps the history of past runs.

The caller's DARIEN_* variables never reach a case: each runs with SETTINGS and a data folder
and warehouse of its own under a temporary folder. The one input read from the environment
is DARIEN_TEST_PG: the publish cases use the PostgreSQL the tests would (tests/postgres.py: DARIEN_TEST_PG,
else the machine's at 127.0.0.1:5432, else a private server started for the run and removed after).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench import profile_publish, sanity
from bench.cases import FULL, QUICK, flow_cases, parse_case, publish_cases, scale_cases
from bench.harness import ROOT, Row, bench_environ, fmt, machine, table, without_darien
from flows.server import PrefectServer
from tests.postgres import chosen_postgres

RESULTS = Path(__file__).resolve().parent / "results.json"


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
    publish_steps: dict = {}
    with chosen_postgres() as postgres, bench_environ(), tempfile.TemporaryDirectory(prefix="darien-bench-") as tmp:
        print(f"PostgreSQL: {postgres}", flush=True)
        work = Path(tmp)
        # One Prefect server for the whole run: every flow subprocess talks to it. Launched
        # here, it starts while a quick run's in-process cases run.
        server_env = {**without_darien(os.environ), "PREFECT_LOGGING_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        with PrefectServer(home=work / "prefect", env=server_env, quiet=True) as server:
            if not p.quick and args.only in (None, "flows"):
                server.ready()  # its start-up would otherwise disturb the timings of a full run
            steps = {"parse": lambda: [parse_case(p)],
                     "publish": lambda: publish_cases(p, work) + scale_cases(p, work),
                     "flows": lambda: flow_cases(p, work, server.ready().env)}
            for group, step in steps.items():
                if args.only not in (None, group):
                    continue
                for row in step():
                    rows.append(row)
                    print(f"  {row.case}: {row.ratio:.2f}× ({fmt(row.baseline_s)} → {fmt(row.case_s)})",
                          flush=True)
                if group == "publish":  # one publish and republish more, its steps timed (not judged)
                    publish_steps = profile_publish.on_both(p.rows, work)
    print()
    print(table(rows))
    for row in rows:
        if row.note:
            print(f"  {row.case}: {row.note}")
    if publish_steps:
        print(f"\nEach step of one publish of {p.rows:,} rows, then of the same figures in a newer document"
              " (one run each; python -m bench.profile_publish adds the slowest statements):\n")
        print(profile_publish.steps_table(publish_steps))
    info = machine()
    print(f"\n{info['cpus']} CPUs ({info['cpu']}), {info['memory_gb']} GB, Python {info['python']}; "
          f"{'quick' if p.quick else 'full'} run in {time.perf_counter() - started:.0f} s. "
          "Seconds are medians; backfill and nightly run without the crawler's 1 s/request pacing.")
    steps = {db: {what: {"total_s": total, **measured} for what, (total, measured, _) in runs.items()}
             for db, runs in publish_steps.items()}
    args.results.write_text(json.dumps({"mode": "quick" if p.quick else "full", "machine": info,
                                        "rows": [asdict(r) for r in rows], "publish_steps": steps},
                                       indent=1, ensure_ascii=False))
    unsound = sanity.problems(rows, steps)
    for line in unsound:
        print(f"bench: {line}", file=sys.stderr)
    missed = [r.case for r in rows if r.passed is False]
    if missed and not p.quick:
        print(f"goals missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if unsound or (missed and not p.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
