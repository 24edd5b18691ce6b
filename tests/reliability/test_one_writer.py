"""One writer at a time, through real `darien run` processes sharing one Prefect server.

Two runs start at the same moment on one warehouse (DuckDB: an OS file lock beside the file;
PostgreSQL: an advisory lock). The winner is held inside its publish (DARIEN_LOAD_PAUSE_AT) so
the race cannot end before it starts: the other, with DARIEN_LOCK_WAIT=0, exits 75 with one
line. A third run, DARIEN_LOCK_WAIT=120, starts while the winner still holds the lock, waits,
then completes. The warehouse ends equal to a single clean run's.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import requests

from runs import darien, finish, run_args, warehouse_state

pytestmark = pytest.mark.slow


def running_flow_runs(api: str) -> int:
    runs = requests.post(f"{api}/flow_runs/filter", timeout=10, json={
        "flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}}).json()
    return len(runs)


def first_to_exit(children: list[subprocess.Popen], timeout: float = 120) -> subprocess.Popen:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            if child.poll() is not None:
                return child
        time.sleep(0.05)
    raise AssertionError("no run exited")


def finish_unpaused(child: subprocess.Popen, marker: Path) -> tuple[int, str, str]:
    """Let every publish of `child` go on (it pauses once per document) and wait for it to end."""
    done = threading.Event()

    def release():
        while not done.is_set():
            marker.unlink(missing_ok=True)
            time.sleep(0.05)

    releaser = threading.Thread(target=release, daemon=True)
    releaser.start()
    try:
        return finish(child)
    finally:
        done.set()
        releaser.join()


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("darien: ")]


def test_runs_at_the_same_moment_one_writes_one_exits_75_one_waits(
        snm_site, clean_run, darien_env, prefect_api, warehouse_url, tmp_path):
    data = tmp_path / "data"
    args = run_args(snm_site.index, warehouse_url, data)
    paused = tmp_path / "winner-paused"
    racing = {**darien_env, "DARIEN_LOCK_WAIT": "0", "DARIEN_LOAD_PAUSE_AT": f"staged:{paused}"}
    pair = [darien(*args, env=racing), darien(*args, env=racing)]
    try:
        loser = first_to_exit(pair)
        winner = next(c for c in pair if c is not loser)
        code, out, err = finish(loser)
        assert code == 75, err[-2000:]
        assert len(error_lines(err)) == 1 and "another run holds the warehouse lock" in err, err[-2000:]
        assert "Traceback" not in err
        deadline = time.monotonic() + 120
        while not paused.exists():
            assert winner.poll() is None and time.monotonic() < deadline, winner.communicate()
            time.sleep(0.05)

        # The winner holds the lock, paused in its publish: a patient run starts now and must wait.
        patient = darien(*args, env={**darien_env, "DARIEN_LOCK_WAIT": "120"})
        deadline = time.monotonic() + 120
        while running_flow_runs(prefect_api) < 2:  # the patient run's flow body (the lock) has begun
            assert patient.poll() is None and time.monotonic() < deadline, patient.communicate()
            time.sleep(0.1)
        time.sleep(1.0)
        assert patient.poll() is None  # still waiting, not refused
        code, out, err = finish_unpaused(winner, paused)
        assert code == 0, err[-2000:]
        assert "2 loaded" in out
        code, out, err = finish(patient, timeout=180)
        assert code == 0, err[-2000:]
        assert "0 loaded" in out and not error_lines(err)
    finally:
        for child in pair + [locals().get("patient")]:
            if child is not None and child.poll() is None:
                child.kill()
                child.communicate()
    clean_url, clean_data = clean_run
    assert warehouse_state(warehouse_url, data) == warehouse_state(clean_url, clean_data)


HOLD = textwrap.dedent("""
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.read()
""")


def test_a_duckdb_file_held_by_another_process_is_a_one_line_error(snm_site, darien_env, tmp_path):
    database = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(database)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        code, out, err = finish(darien(*run_args(snm_site.index, f"duckdb:///{database}", tmp_path / "data"),
                                       env=darien_env))
    finally:
        holder.communicate("")
    assert code == 1, err[-2000:]
    lines = error_lines(err)
    assert len(lines) == 1 and "\n" not in lines[0], err[-2000:]
    assert str(database) in lines[0] and "held by another process" in lines[0]
    assert f"(PID {holder.pid})" in lines[0]
    assert "Traceback" not in err
