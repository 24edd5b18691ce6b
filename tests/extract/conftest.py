"""Real HTTP servers on 127.0.0.1 (the SNM site stand-in and a host no crawl may reach), and a fast session."""

from __future__ import annotations


import pytest

from pytest_httpserver import HTTPServer

import extract


def _server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    return server


@pytest.fixture(scope="session")
def _servers():
    main, other = _server(), _server()
    yield main, other
    main.stop()
    other.stop()


@pytest.fixture
def server(_servers) -> HTTPServer:
    """The SNM site stand-in; handlers and request log are cleared after each test."""
    main, _ = _servers
    yield main
    main.clear()


@pytest.fixture
def elsewhere(_servers) -> HTTPServer:
    """A second host (another port on 127.0.0.1) that no crawl is allowed to reach."""
    _, other = _servers
    yield other
    other.clear()


@pytest.fixture
def session():
    """Fast retries and short timeouts, no pacing: the policy of make_session with test-sized numbers."""
    s = extract.make_session(retries=2, backoff_factor=0.01, timeout=(1.0, 0.5), min_interval=0)
    yield s
    s.close()
