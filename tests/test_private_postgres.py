"""The PostgreSQL the test session starts itself where none answers (tests/postgres.py).

CI always finds the machine's server, so these tests force the private one: a real document
is published on it by a pytest session of its own, and nothing of the server is left after.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import postgres
from tests.processes import command_line, processes

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.postgres


@pytest.fixture
def tmp_path():
    """A temporary folder with a short path: a Unix socket's path holds at most 107 bytes."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dpg"))
    folder.chmod(0o711)  # as root the server runs as nobody, who must reach its folder
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def postgres_processes_in(directory: Path) -> list[int]:
    """Pids of the processes whose command line names `directory` (its server and children)."""
    return [p.pid for p in processes() if str(directory) in command_line(p.pid)]


def test_a_session_with_darien_test_pg_private_publishes_on_its_own_server_and_leaves_nothing(tmp_path):
    env = {**os.environ, "DARIEN_TEST_PG": "private", "TMPDIR": str(tmp_path)}
    test = "tests/load/test_load_publish.py::test_preliminary_then_final[postgres]"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", test],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"^1 passed|== 1 passed", done.stdout, re.M), done.stdout[-2000:]
    header = re.search(r"^postgresql: a private server .* in (\S+)$", done.stdout, re.M)
    assert header, done.stdout[:2000]
    directory = Path(header[1])
    assert directory.parent == tmp_path
    assert not directory.exists()
    assert postgres_processes_in(directory) == []
    assert list(tmp_path.glob(f"{postgres.PREFIX}*")) == []


def test_the_server_of_a_killed_session_is_stopped_and_removed_by_the_next(tmp_path):
    # A session that starts its server and is then killed, before it can stop it.
    starter = ("import os, time, sys; from tests.postgres import PrivatePostgres; s = PrivatePostgres(); "
               "s.start(); print(s.dir, flush=True); time.sleep(600)")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    killed = subprocess.Popen([sys.executable, "-c", starter], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    directory = Path(killed.stdout.readline().strip())
    assert directory.parent == tmp_path and postgres_processes_in(directory)
    # A live session's server is left alone.
    assert postgres.reap_orphans(tmp_path) == []
    assert directory.exists()

    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert postgres_processes_in(directory), "the server outlives its killed session"
    assert postgres.reap_orphans(tmp_path) == [directory]
    assert not directory.exists()
    deadline = time.monotonic() + 10
    while postgres_processes_in(directory) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postgres_processes_in(directory) == []
