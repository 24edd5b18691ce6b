"""Helpers for tests that drive `darien` in subprocesses and compare warehouses."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tests.processes import processes
from tests.warehouse import query  # noqa: F401  (tests import it from here too)

DARIEN = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "darien")

# Columns a rerun may legitimately change: ids, timestamps, and paths inside the run's data dir.
IGNORED = {
    "darien_transit": ("load_id", "loaded_at"),
    "darien_transit_history": ("load_id", "loaded_at"),
    "etl_documents": ("first_seen_at", "last_checked_at", "docs_url", "validation"),
}


def darien_environment(prefect_api: str) -> dict[str, str]:
    """The environment of a `darien` subprocess: the session's Prefect server, no DARIEN_* of the caller."""
    root = str(Path(__file__).resolve().parents[2])
    env = {k: v for k, v in os.environ.items() if not k.startswith("DARIEN_")}
    # PYTHONPATH: packages newer than the editable install's list (export/) import from the checkout.
    # No crawler pacing: the site is the test's own, and a second between its requests is
    # seconds of sleep in every run (tests/extract checks the pacing itself). One document at a
    # time, as in the other tests: the hostile run sets DARIEN_WORKERS=2 itself.
    env.update(PREFECT_API_URL=prefect_api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DARIEN_WORKERS="1", DARIEN_REQUEST_INTERVAL="0", PYTHONPATH=root)
    return env


def darien(*args: str, env: dict, **popen) -> subprocess.Popen:
    """Start `darien ARGS` in its own session (so a kill of its group reaches its workers)."""
    return subprocess.Popen([DARIEN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, **popen)


def run_args(source: str, warehouse: str, data_dir: Path) -> list[str]:
    return ["run", "--source", source, "--warehouse", warehouse, "--data-dir", str(data_dir)]


def finish(child: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=timeout)
    return child.returncode, out, err


def wait_for(condition: Callable[[], bool], child: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if child.poll() is not None:
            out, err = child.communicate()
            raise AssertionError(f"darien exited {child.returncode} before {what}:\n{out}\n{err}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    """Processes whose session is `pid`'s (start_new_session made it the session leader)."""
    return [p.pid for p in processes() if p.sid == pid and p.pid != pid]


def table_contents(url: str, table: str, data_dir: Path | None = None) -> list[tuple]:
    """A table's rows, sorted, without the IGNORED columns; paths in `data_dir` written as <data>."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(f"SELECT * FROM {table}"))
            keep = [i for i, c in enumerate(result.keys()) if c not in IGNORED.get(table, ())]
            rows = [tuple(_plain(r[i], data_dir) for i in keep) for r in result]
    finally:
        engine.dispose()
    return sorted(rows, key=repr)


def _plain(value, data_dir: Path | None):
    if isinstance(value, str) and data_dir is not None:
        return value.replace(str(data_dir.resolve()), "<data>").replace(str(data_dir), "<data>")
    return value


def warehouse_state(url: str, data_dir: Path | None = None) -> dict[str, list[tuple]]:
    return {t: table_contents(url, t, data_dir) for t in IGNORED}


def statuses(url: str) -> dict[str, str]:
    """Ledger status by document file name (the last path segment of its URL)."""
    return {u.rsplit("/", 1)[1]: s for u, s in query(url, "SELECT url, status FROM etl_documents")}


def error_lines(err: str) -> list[str]:
    """The lines `darien` itself wrote to stderr (the rest are Prefect's logs)."""
    return [line for line in err.splitlines() if line.startswith("darien: ")]


def assert_refused(result: tuple[int, str, str]) -> None:
    """Exit 75 and one line of its own saying why, no traceback."""
    code, out, err = result
    assert code == 75, err[-2000:]
    lines = error_lines(err)
    assert len(lines) == 1 and "another run holds the warehouse lock (waited 0 s)" in lines[0], err[-2000:]
    assert "Traceback" not in err


def has_open(path: Path) -> Callable[[subprocess.Popen], bool]:
    """Whether a process has `path` open: a DuckDB run opens the lock file just before it tries the lock."""
    def check(child: subprocess.Popen) -> bool:
        fds = Path(f"/proc/{child.pid}/fd")
        try:
            return any(os.readlink(fd) == str(path.resolve()) for fd in fds.iterdir())
        except OSError:  # a descriptor closed while listing
            return False
    return check


def asks_for_advisory_lock(admin_url: str, application_name: str) -> Callable[[subprocess.Popen], bool]:
    """Whether the PostgreSQL session named `application_name` is polling pg_try_advisory_lock."""
    def check(child: subprocess.Popen) -> bool:
        return bool(query(admin_url, "SELECT 1 FROM pg_stat_activity WHERE application_name = '"
                          + application_name + "' AND query LIKE '%pg_try_advisory_lock%'"))
    return check


def race(args: list[str], env: dict, paused: Path) -> tuple[subprocess.Popen, tuple[int, str, str]]:
    """Two runs started at the same moment with DARIEN_LOCK_WAIT=0, the winner held at its first publish.

    Returns the winner, paused with the lock, and the loser's exit code, stdout and stderr.
    """
    racing = {**env, "DARIEN_LOCK_WAIT": "0", "DARIEN_LOAD_PAUSE_AT": f"staged:{paused}"}
    pair = [darien(*args, env=racing), darien(*args, env=racing)]
    try:
        deadline = time.monotonic() + 120
        while all(child.poll() is None for child in pair):
            assert time.monotonic() < deadline, "neither run exited"
            time.sleep(0.05)
        loser = next(child for child in pair if child.poll() is not None)
        winner = next(child for child in pair if child is not loser)
        result = finish(loser)
        wait_for(paused.exists, winner, "the winner paused in its publish", timeout=120)
    except BaseException:
        for child in pair:
            child.kill()
            child.communicate()
        raise
    return winner, result


def start_waiting(args: list[str], env: dict, waiting: Callable[[subprocess.Popen], bool],
                  wait_s: float = 120) -> subprocess.Popen:
    """A run with DARIEN_LOCK_WAIT=`wait_s`, returned once `waiting` shows it trying the held lock."""
    child = darien(*args, env={**env, "DARIEN_LOCK_WAIT": f"{wait_s:g}"})
    wait_for(lambda: waiting(child), child, "it tried the lock", timeout=120)
    time.sleep(2 * 0.2)  # two of its polls refused: it is waiting, not passing through
    return child


def finish_unpaused(child: subprocess.Popen, marker: Path) -> tuple[int, str, str]:
    """Let every publish of `child` go on (it pauses once per document) and wait for it to end."""
    done = threading.Event()

    def release() -> None:
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
