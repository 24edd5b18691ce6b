"""`make bench`: every case beside its bare baseline in the same run, medians, ratios and goals.

    python -m bench.run           full run; exits 1 when a goal is missed
    python -m bench.run --quick   a few documents, 20,000 rows, one repetition; judges nothing

Prints one table and writes bench/results.json. The cases are in bench/cases.py, the timing,
memory and table in bench/harness.py; bench/README.md keeps the history of past runs.

The caller's DARIEN_* variables never reach a case: each runs with SETTINGS and a data folder
and warehouse of its own under a temporary folder. The one input read from the environment
is DARIEN_TEST_PG: the publish cases use the PostgreSQL the tests would (tests/postgres.py: DARIEN_TEST_PG,
else the machine's at 127.0.0.1:5432, else a private server started for the run and removed after).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path

from bench.cases import FULL, QUICK, flow_cases, parse_case, publish_cases, scale_cases
from bench.harness import PYTHON, ROOT, Row, bench_environ, fmt, machine, table, without_darien
from tests.postgres import chosen_postgres

RESULTS = Path(__file__).resolve().parent / "results.json"


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
    with chosen_postgres() as postgres, bench_environ(), tempfile.TemporaryDirectory(prefix="darien-bench-") as tmp:
        print(f"PostgreSQL: {postgres}", flush=True)
        work = Path(tmp)
        with PrefectServer(work / "prefect") as server:
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
