"""One writer at a time, through real `darien run` processes sharing one Prefect server.

On PostgreSQL (an advisory lock) two runs start at the same moment on one warehouse. The winner
is held inside its publish (DARIEN_LOAD_PAUSE_AT) so the race cannot end before it starts: the
other, with DARIEN_LOCK_WAIT=0, exits 75 with one line. A third run, DARIEN_LOCK_WAIT=120,
starts while the winner holds the lock, waits, then completes once the winner has. The
warehouse ends equal to a single clean run's. The same race on DuckDB (an OS file lock beside
the file) ends the crash chain in test_crash.py, where the winner is killed instead.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.reliability.runs import (asks_for_advisory_lock, assert_refused, darien, error_lines, finish, finish_unpaused, race,
                  run_args, start_waiting, warehouse_state)

pytestmark = pytest.mark.prefect


@pytest.mark.postgres
def test_runs_at_the_same_moment_one_writes_one_exits_75_one_waits(
        snm_site, clean_run, darien_env, pg_url, tmp_path):
    data = tmp_path / "data"
    args = run_args(snm_site.index, pg_url, data)
    paused = tmp_path / "winner-paused"
    winner, refused = race(args, darien_env, paused)
    patient = None
    try:
        assert_refused(refused)
        # Named, so its session shows in pg_stat_activity polling the advisory lock.
        name = f"darien-patient-{uuid.uuid4().hex[:8]}"
        named = run_args(snm_site.index, f"{pg_url}&application_name={name}", data)
        patient = start_waiting(named, darien_env, asks_for_advisory_lock(pg_url, name))
        assert patient.poll() is None  # waiting, not refused
        code, out, err = finish_unpaused(winner, paused)
        assert code == 0, err[-2000:]
        assert "2 loaded" in out
        code, out, err = finish(patient, timeout=180)
        assert code == 0, err[-2000:]
        assert "0 loaded" in out and not error_lines(err)  # the winner's work, found done
    finally:
        for child in (winner, patient):
            if child is not None and child.poll() is None:
                child.kill()
                child.communicate()
    clean_url, clean_data = clean_run
    assert warehouse_state(pg_url, data) == warehouse_state(clean_url, clean_data)


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
    assert len(lines) == 1, err[-2000:]
    assert str(database) in lines[0] and f"held by another process (PID {holder.pid})" in lines[0]
    assert "Traceback" not in err
