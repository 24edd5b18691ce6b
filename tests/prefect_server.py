"""The session's one temporary Prefect server, shared by every pytest-xdist worker.

Each worker used to start its own (prefect_test_harness): about 9 s of CPU to start and 1 s a
minute idle, three times over. Now the first worker that needs one starts it, on a copy of the
migrated template database (tests/prefect_database.py), and the others join it. It runs under
a small watchdog (`python -m tests.prefect_server`) that stops it when the session's
controlling process ends, killed or not; the controller stops it at the session's end.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests import prefect_database

STARTUP_S = 120  # three busy workers on two cores: a start takes 10 to 30 s


def new_session_dir() -> str:
    """A folder for this session's shared things, named by the controlling process's pid."""
    return tempfile.mkdtemp(prefix=f"darien-session-{os.getpid()}-")


def clean_up_after_killed_sessions() -> None:
    """Remove the folders of sessions whose controlling process is gone (their servers stopped with it)."""
    for folder in Path(tempfile.gettempdir()).glob("darien-session-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
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
        port = _free_port()
        with open(home / "server.log", "w") as log:
            watchdog = subprocess.Popen(
                [sys.executable, "-m", "tests.prefect_server", os.environ["DARIEN_TEST_CONTROLLER"], str(port),
                 str(home)], cwd=Path(__file__).resolve().parents[1], stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # a Ctrl-C reaches the controller, which stops it
        url = f"http://127.0.0.1:{port}/api"
        _wait_healthy(url, watchdog, home / "server.log")
        found.write_text(json.dumps({"url": url, "pid": watchdog.pid}))
        return url


def stop(folder: Path) -> None:
    """Stop the session's server, if a worker started one (the controller calls it at the session's end)."""
    found = folder / "prefect.json"
    if not found.exists():
        return
    pid = json.loads(found.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(200):  # the watchdog stops the server, then exits
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, watchdog: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if watchdog.poll() is not None:
            raise RuntimeError(f"the session's Prefect server exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    watchdog.terminate()
    raise RuntimeError(f"the session's Prefect server did not answer within {STARTUP_S} s: {log.read_text()[-2000:]}")


def _serve(owner: int, port: int, home: Path) -> None:
    """Run the server (as prefect_test_harness runs its own) until `owner` ends or SIGTERM comes."""
    import importlib.util

    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / prefect_database.DATABASE}"}
    env.pop("PREFECT_API_URL", None)
    packages = Path(importlib.util.find_spec("prefect").origin).parents[1]  # without importing Prefect (2 s)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(packages), "--factory",
         "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"], env=env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the finally below stops the server
    try:
        owner_gone = os.pidfd_open(owner)
        while server.poll() is None and not select.select([owner_gone], [], [], 1.0)[0]:
            pass
    except ProcessLookupError:  # the owner ended before the watchdog began
        pass
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
