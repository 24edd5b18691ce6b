"""`make serve`: a local Prefect server (UI on 127.0.0.1:4200) and the deployments, until Ctrl-C.

Runs read the sources of DARIEN_SOURCE_URL (`make serve` passes `samples/`, as `make run`).
With DARIEN_PREFECT_DB_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/prefect) the
server keeps its state in PostgreSQL instead of its default SQLite file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

import load

HOST, PORT = os.environ.get("DARIEN_PREFECT_HOST", "127.0.0.1"), os.environ.get("DARIEN_PREFECT_PORT", "4200")


def server_environment() -> dict[str, str]:
    """The environment of the server and of everything that talks to it."""
    api = f"http://{HOST}:{PORT}/api"
    # PREFECT_UI_URL: the alerts' links to a run (without it the server renders them "None").
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_SERVER_UI_API_URL": api,
           "PREFECT_UI_URL": f"http://{HOST}:{PORT}", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if os.environ.get("DARIEN_PREFECT_DB_URL"):
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = os.environ["DARIEN_PREFECT_DB_URL"]
    return env


def wait_until_healthy(api: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{api}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the Prefect server at {api} did not come up within {timeout_s:.0f} s")


def main() -> int:
    from darien.config import ConfigError, settings
    from flows.alerts import webhook_url
    from flows.deployments import nightly_schedule

    try:  # a bad setting stops here, in one line, before a server starts
        cfg = settings()
        schedule = nightly_schedule()
        webhook_url()
    except ConfigError as err:
        print(f"darien: {err}", file=sys.stderr)
        return 2
    env = server_environment()
    # A SIGTERM (a supervisor, a test) stops the server and the deployments as Ctrl-C does:
    # Python's default would end this process alone and leave both children running.
    signal.signal(signal.SIGTERM, _interrupt)
    children: list[subprocess.Popen] = []
    try:
        children.append(subprocess.Popen(
            [Path(sys.executable).with_name("prefect"), "server", "start", "--host", HOST, "--port", PORT], env=env))
        wait_until_healthy(env["PREFECT_API_URL"])
        print(f"Prefect UI: http://{HOST}:{PORT}  (Ctrl-C stops the server and the deployments)\n"
              f"nightly on cron {schedule.cron!r} ({schedule.timezone}), backfill on demand; "
              f"runs read {','.join(cfg.sources)} (DARIEN_SOURCE_URL) into {load.safe_url(cfg.warehouse)}",
              flush=True)
        children.append(subprocess.Popen([Path(sys.executable).with_name("darien"), "serve"], env=env))
        return children[-1].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):  # the deployments first, then the server they talk to
            child.terminate()
            child.wait(timeout=30)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
