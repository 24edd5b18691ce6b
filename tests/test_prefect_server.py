"""The session's one Prefect server: shared by the workers, and gone with the session's controller."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import prefect_database, prefect_server
from tests.processes import command_line, processes

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.prefect
def test_the_harness_is_the_session_s_server_watched_for_the_controller(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    started = json.loads((prefect_server.session_dir() / "prefect.json").read_text())
    assert PREFECT_API_URL.value() == started["url"]
    watchdog = command_line(started["pid"]).split()
    assert watchdog[1:4] == ["-m", "tests.prefect_server", os.environ["DARIEN_TEST_CONTROLLER"]]


def test_the_server_stops_when_the_controller_dies(tmp_path):
    controller = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (tmp_path / prefect_database.DATABASE).write_bytes(b"")
    watchdog = subprocess.Popen([sys.executable, "-m", "tests.prefect_server", str(controller.pid), str(tmp_path)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = _wait_for_child(watchdog.pid, "prefect server start")  # still starting: stopped at any time

    controller.kill()
    controller.wait()

    assert watchdog.wait(timeout=30) == 0
    with pytest.raises(ProcessLookupError):
        os.killpg(server, 0)  # the server and its process group are gone


def _wait_for_child(pid: int, running: str) -> int:
    """The child of `pid` whose command line holds `running` (once it has started it)."""
    for _ in range(400):
        for child in processes():
            if child.ppid == pid and running in command_line(child.pid):
                return child.pid
        time.sleep(0.05)
    raise AssertionError(f"process {pid} started no {running!r}")


def test_a_later_session_removes_the_folders_of_dead_sessions_only():
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    dead, alive = Path(prefect_server.new_session_dir()), Path(prefect_server.new_session_dir())
    (dead / "owner").write_text(f"{ended.pid} {(alive / 'owner').read_text().split()[1]}")  # as a killed one left it
    try:
        prefect_server.clean_up_after_killed_sessions()
        assert not dead.exists() and alive.is_dir()  # this session's own, whose controller runs
    finally:
        shutil.rmtree(alive, ignore_errors=True)
        shutil.rmtree(dead, ignore_errors=True)
