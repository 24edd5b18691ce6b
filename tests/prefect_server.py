"""The session's one temporary Prefect server, shared by every pytest-xdist worker.

Each worker used to start its own (prefect_test_harness): about 9 s of CPU to start and 1 s a
minute idle, three times over. Now the first worker that needs one starts it, on a copy of the
migrated template database (tests/prefect_database.py), and the others join it. It is the
project's `flows.server.PrefectServer`, in the services of Prefect's own temporary servers
(`PREFECT__SERVER_EPHEMERAL`), run by a small watchdog (`python -m tests.prefect_server`) that
stops it when the session's controlling process ends, killed or not; the controller stops it
at the session's end.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests import prefect_database
from tests.processes import abandoned, claim

STARTUP_S = 120  # three busy workers on two cores: a start takes 10 to 30 s


PREFIX = "darien-session-"


def new_session_dir() -> str:
    """A folder for this session's shared things, claimed by the controlling process."""
    folder = tempfile.mkdtemp(prefix=PREFIX)
    claim(Path(folder))
    return folder


def clean_up_after_killed_sessions() -> None:
    """Remove the folders of sessions whose controlling process is gone (their servers stopped with it)."""
    for folder in abandoned(PREFIX):
        shutil.rmtree(folder, ignore_errors=True)


def session_dir() -> Path:
    """The folder the session's controlling process made for what its workers share (tests/conftest.py)."""
    return Path(os.environ["DARIEN_TEST_SESSION_DIR"])


def shared() -> str:
    """The session's Prefect API URL; the first caller starts its server."""
    folder = session_dir()
    with open(folder / "prefect.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers ask at once: one starts it, the others wait
        found = folder / "prefect.json"
        if found.exists():
            return json.loads(found.read_text())["url"]
        home = folder / "prefect"
        home.mkdir()
        shutil.copyfile(prefect_database.template(), home / prefect_database.DATABASE)
        log = home / "server.log"
        with open(log, "w") as output:
            watchdog = subprocess.Popen(
                [sys.executable, "-m", "tests.prefect_server", os.environ["DARIEN_TEST_CONTROLLER"], str(home)],
                cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=output, text=True,
                start_new_session=True)  # a Ctrl-C reaches the controller, which stops it
        url = watchdog.stdout.readline().strip()  # its API URL once it answers; nothing if it failed
        watchdog.stdout.close()
        if not url:
            raise RuntimeError(f"the session's Prefect server did not start: {log.read_text()[-2000:]}")
        found.write_text(json.dumps({"url": url, "pid": watchdog.pid}))
        return url


def stop(folder: Path) -> None:
    """Stop the session's server, if a worker started one (the controller calls it at the session's end)."""
    found = folder / "prefect.json"
    if not found.exists():
        return
    try:
        watchdog = os.pidfd_open(json.loads(found.read_text())["pid"])
    except ProcessLookupError:  # it stopped with its server already
        return
    signal.pidfd_send_signal(watchdog, signal.SIGTERM)  # it stops the server, then exits
    select.select([watchdog], [], [], 30)
    os.close(watchdog)


def _serve(owner: int, home: Path) -> None:
    """Run the server until `owner` ends or SIGTERM comes; print its API URL once it answers."""
    from flows.server import PrefectServer

    env = {**os.environ, "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT_UI_ENABLED": "0",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / prefect_database.DATABASE}"}
    announce = os.fdopen(os.dup(1), "w")  # the URL, for the worker that started this watchdog
    os.dup2(2, 1)  # the server's own output goes to the log
    started, stopping = [], []

    def stop(*_) -> None:
        stopping.append(True)
        if started:  # leaving the block below stops the server; while it is launched, the block returns
            sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=_terminate_when_gone, args=(owner,), daemon=True).start()
    with PrefectServer(home=home, env=env) as server:
        started.append(True)
        if stopping:
            return
        server.ready(STARTUP_S)
        print(server.api, file=announce, flush=True)
        server.proc.wait()


def _terminate_when_gone(owner: int) -> None:
    try:
        select.select([os.pidfd_open(owner)], [], [])
    finally:  # ended, or gone before the watchdog began
        os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), Path(sys.argv[2]))
