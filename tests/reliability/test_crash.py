"""A real `darien run` killed with SIGKILL at each stage; the next run completes and the warehouse equals a clean run's.

One warehouse, one chain of runs: killed during download, during parse, while writing history and
the ledger, then during publish (rows staged) as the winner of a race of two runs started at the
same moment, whose loser exits 75 and whose patient third run (DARIEN_LOCK_WAIT=120) takes the
lock when the winner dies and is the next run that completes.

Compared tables and what is ignored (ids and timestamps, and paths inside the data dir), see runs.IGNORED:
darien_transit and darien_transit_history without load_id/loaded_at; etl_documents without
first_seen_at, last_checked_at, docs_url (a path in the run's data dir) and validation (holds run times).
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from tests.reliability.runs import (assert_refused, darien, descendants, finish, has_open, race, run_args, start_waiting,
                  statuses, table_contents, wait_for, warehouse_state)

pytestmark = pytest.mark.prefect

SHA_NAME = re.compile(r"^[0-9a-f]{64}\.pdf$")


def kill(child) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    # Not communicate(): processes the run left behind may still hold its pipes open.
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def strays(pid: int, grace_s: float = 3) -> list[int]:
    """Processes of a killed run still alive after `grace_s`, killed now (see test_orphans.py)."""
    deadline = time.monotonic() + grace_s
    while (left := descendants(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for orphan in left:
        os.kill(orphan, signal.SIGKILL)  # started by this test, in the killed run's session
    return left


@pytest.mark.slow
def test_runs_killed_at_every_stage_leave_nothing_half_done(snm_site, clean_run, darien_env, tmp_path):
    url, data = f"duckdb:///{tmp_path / 'warehouse.duckdb'}", tmp_path / "data"
    args = run_args(snm_site.index, url, data)
    raw = data / "raw"
    slow = snm_site.documents["/images/img2023/pdf/TRANSITO_IRREGULAR_POR_DARIEN_2023.pdf"]

    # 1. During download: the 2023 PDF trickles in; the run dies with part of it on disk.
    slow.slow.set()
    slow.trickling.clear()
    try:
        child = darien(*args, env=darien_env)
        wait_for(slow.trickling.is_set, child, "the download started")
        time.sleep(0.3)
        kill(child)
    finally:
        slow.slow.clear()
    strays(child.pid)
    assert all(SHA_NAME.match(p.name) for p in raw.glob("*.pdf")), sorted(raw.iterdir())
    assert table_contents(url, "darien_transit") == []

    # 2. During parse: both documents stored, the parser workers up, nothing published.
    child = darien(*args, env=darien_env)
    wait_for(lambda: len(descendants(child.pid)) >= 2, child, "parser workers started", timeout=90)
    kill(child)
    strays(child.pid)
    assert len(list(raw.glob("*.pdf"))) == 2
    assert table_contents(url, "darien_transit") == []
    assert statuses(url) == {
        "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": "new", "TRANSITO_IRREGULAR_POR_DARIEN_2023.pdf": "new"}

    # 3. While writing history and the ledger: history written, the ledger's row about to be.
    marker = tmp_path / "paused-published"
    child = darien(*args, env={**darien_env, "DARIEN_LOAD_PAUSE_AT": f"published:{marker}"})
    wait_for(marker.exists, child, "publish paused after writing history", timeout=120)
    kill(child)
    strays(child.pid)
    assert table_contents(url, "darien_transit") == []
    assert table_contents(url, "darien_transit_history") == []
    assert table_contents(url, "etl_loads") == []

    # 4. During publish, racing: two runs at the same moment, the loser exits 75 (one writer, DuckDB's
    # file lock); the winner, paused with its rows staged, is killed while a patient run waits for
    # the lock. The patient is the next run: it completes.
    winner, refused = race(args, darien_env, tmp_path / "paused-staged")
    patient = None
    try:
        assert_refused(refused)
        patient = start_waiting(args, darien_env, has_open(tmp_path / "warehouse.duckdb.lock"))
        assert patient.poll() is None  # waiting, not refused
        kill(winner)
        strays(winner.pid)
        code, out, err = finish(patient, timeout=180)
    finally:
        for child in (winner, patient):
            if child is not None and child.poll() is None:
                child.kill()
                child.communicate()
    assert code == 0, err[-2000:]
    assert "2 loaded" in out

    # The warehouse is the clean run's.
    clean_url, clean_data = clean_run
    assert warehouse_state(url, data) == warehouse_state(clean_url, clean_data)
    assert sorted(p.name for p in raw.glob("*.pdf")) == sorted(p.name for p in (clean_data / "raw").glob("*.pdf"))
