"""`flows.server.PrefectServer`, the project's one way to start a Prefect server (`make serve`, the bench)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests

from flows.server import PrefectServer
from tests.processes import processes

pytestmark = pytest.mark.prefect  # each test starts a real server


def _group(pgid: int) -> list[int]:
    """The live processes of process group `pgid`."""
    return [p.pid for p in processes() if p.pgid == pgid and p.alive]


def test_a_server_answers_on_a_free_port_with_its_own_home_and_stops_with_its_process_group(tmp_path):
    home = tmp_path / "prefect-home"
    with PrefectServer(home=home, quiet=True) as server:
        assert server.ready() is server
        assert server.api.startswith("http://127.0.0.1:") and server.env["PREFECT_API_URL"] == server.api
        assert requests.get(f"{server.api}/health", timeout=5).json() is True
        assert (home / "prefect.db").is_file()  # its state is in its own home, not the user's
        group = _group(server.proc.pid)
        assert server.proc.pid in group
    port = int(server.api.rsplit(":", 1)[1].split("/")[0])

    assert _group(server.proc.pid) == []
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens there any more


def test_a_server_that_cannot_start_fails_ready_at_once_naming_its_api(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        with PrefectServer(home=tmp_path / "home", port=port, quiet=True) as server:
            with pytest.raises(RuntimeError, match=rf"the Prefect server for http://127.0.0.1:{port}/api exited with [1-9]"):
                server.ready()
    assert time.monotonic() - started < 60  # not the 90 s of a server that never answers
