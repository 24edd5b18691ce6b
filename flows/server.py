"""A Prefect server of our own, and `make serve`: one on 127.0.0.1:4200 with the deployments, until Ctrl-C.

`PrefectServer` is how the project starts a Prefect server: `make serve` (`main` below), the
bench and the tests' one server of a session (tests/prefect_server.py) use it.

`make serve`'s runs read the sources of DARIEN_SOURCE_URL (`make serve` passes `samples/`, as
`make run`). With DARIEN_PREFECT_DB_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/prefect)
the server keeps its state in PostgreSQL instead of its default SQLite file.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import load

HOST, PORT = os.environ.get("DARIEN_PREFECT_HOST", "127.0.0.1"), os.environ.get("DARIEN_PREFECT_PORT", "4200")


class PrefectServer:
    """`prefect server start` in a process group of its own, as a context manager.

    On `port` of `host` (default: a free port of 127.0.0.1), with `home` as its PREFECT_HOME
    (default: the environment's). Entering launches it and returns at once, so that a caller
    may overlap its start (some 10 s) with other work; `ready()` waits for its /api/health.
    Leaving stops its whole process group. `env` is the environment of the server and of
    everything that talks to it (`env` given, or os.environ, with the server's API URL).
    """

    def __init__(self, *, home: Path | None = None, host: str = "127.0.0.1", port: int | str | None = None,
                 env: Mapping[str, str] | None = None, quiet: bool = False) -> None:
        if port is None:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.api = f"http://{host}:{port}/api"
        # PREFECT_UI_URL: the alerts' links to a run (without it the server renders them "None").
        self.env = {**(os.environ if env is None else env), "PREFECT_API_URL": self.api,
                    "PREFECT_SERVER_UI_API_URL": self.api, "PREFECT_UI_URL": f"http://{host}:{port}",
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        if home is not None:
            self.env["PREFECT_HOME"] = str(home)
        self.argv = [str(Path(sys.executable).with_name("prefect")), "server", "start",
                     "--host", host, "--port", str(port)]
        self.quiet = quiet
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> PrefectServer:
        output = subprocess.DEVNULL if self.quiet else None
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=output, stderr=output, start_new_session=True)
        return self

    def ready(self, timeout_s: float = 90) -> PrefectServer:
        """Wait until the server answers /api/health; a RuntimeError if it exits or stays silent for `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2):
                    return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the Prefect server for {self.api} exited with {self.proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Prefect server at {self.api} did not come up within {timeout_s:.0f} s") from None
                time.sleep(0.5)

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        try:  # the group: `prefect server start` runs the web server in a child of its own
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def main() -> int:
    from darien.config import ConfigError, settings
    from flows.alerts import webhook_url
    from flows.deployments import nightly_schedule, schedule_words

    try:  # a bad setting stops here, in one line, before a server starts
        cfg = settings()
        schedule = nightly_schedule()
        webhook_url()
    except ConfigError as err:
        print(f"darien: {err}", file=sys.stderr)
        return 2
    env = dict(os.environ)
    if os.environ.get("DARIEN_PREFECT_DB_URL"):
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = os.environ["DARIEN_PREFECT_DB_URL"]
    # A SIGTERM (a supervisor, a test) stops the server and the deployments as Ctrl-C does:
    # Python's default would end this process alone and leave both children running.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with PrefectServer(host=HOST, port=PORT, env=env) as server:
            server.ready()
            print(f"Prefect UI: {server.env['PREFECT_UI_URL']}  (Ctrl-C stops the server and the deployments)\n"
                  f"{schedule_words(schedule)}, backfill on demand; "
                  f"runs read {','.join(cfg.sources)} (DARIEN_SOURCE_URL) into {load.safe_url(cfg.warehouse)}",
                  flush=True)
            deployments = subprocess.Popen([Path(sys.executable).with_name("darien"), "serve"], env=server.env)
            try:
                return deployments.wait()
            finally:  # the deployments first, then the server they talk to
                deployments.terminate()
                deployments.wait(timeout=30)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as err:  # the server did not come up
        print(f"darien: {err}", file=sys.stderr)
        return 1


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
