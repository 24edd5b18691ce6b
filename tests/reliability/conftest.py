"""Real processes for the reliability tests: an SNM-like site on 127.0.0.1, `darien` subprocesses, warehouse snapshots."""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
if str(_ROOT / "tests") not in sys.path:
    sys.path.append(str(_ROOT / "tests"))
from tests.real_documents import REAL_2022, REAL_2023


@pytest.fixture(scope="session")
def site_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(site_server) -> HTTPServer:
    """The SNM site stand-in; handlers and request log are cleared after each test."""
    yield site_server
    site_server.clear()


@pytest.fixture(scope="session")
def prefect_api(prefect_harness) -> str:
    """The API URL of the session's Prefect server, so `darien` subprocesses need not start their own."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


class Publication:
    """A PDF served like a static file (ETag, 304), or, while `slow` is set, trickled until the client goes away."""

    def __init__(self, body: bytes):
        self.body = body
        self.slow = threading.Event()
        self.trickling = threading.Event()

    def __call__(self, request: Request) -> Response:
        if self.slow.is_set():
            return Response(self._trickle(), content_type="application/pdf",
                            headers={"Content-Length": str(len(self.body))})
        response = Response(self.body, content_type="application/pdf")
        response.set_etag(hashlib.md5(self.body).hexdigest())
        response.last_modified = 1_700_000_000
        return response.make_conditional(request)

    def _trickle(self):
        yield self.body[:65536]
        self.trickling.set()
        for _ in range(600):  # the client is killed long before this ends
            time.sleep(0.1)
            yield b""
        yield self.body[65536:]


@dataclass
class Site:
    """The index and the two real SNM PDFs, under the older site's paths (ASCII names)."""

    server: HTTPServer
    documents: dict[str, Publication]

    @property
    def index(self) -> str:
        return self.server.url_for("/inicio/estadisticas")


DOCUMENT_PATHS = {
    "/images/img2022/pdf/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf": REAL_2022,
    "/images/img2023/pdf/TRANSITO_IRREGULAR_POR_DARIEN_2023.pdf": REAL_2023,
}


@pytest.fixture(scope="session")
def snm_site() -> Site:
    """One SNM-like site for the whole session on its own server, so every run sees the same URLs."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    documents = {path: Publication(file.read_bytes()) for path, file in DOCUMENT_PATHS.items()}
    for path, publication in documents.items():
        server.expect_request(path).respond_with_handler(publication)
    links = "".join(f"<li><a href='{p}'>Tránsito irregular por Darién {p[11:15]}</a></li>"
                    for p in documents)
    server.expect_request("/inicio/estadisticas").respond_with_data(
        f"<!DOCTYPE html><html><head><title>Estadísticas</title></head><body><ul>{links}</ul></body></html>",
        content_type="text/html; charset=utf-8")
    yield Site(server, documents)
    server.stop()


@pytest.fixture(scope="session")
def clean_run(snm_site, prefect_api, tmp_path_factory) -> tuple[str, Path]:
    """One uninterrupted `darien run` of the site into DuckDB: the state every other run must end in."""
    from tests.reliability.runs import darien, darien_environment, finish, run_args

    folder = tmp_path_factory.mktemp("clean")
    url = f"duckdb:///{folder / 'warehouse.duckdb'}"
    code, out, err = finish(darien(*run_args(snm_site.index, url, folder / "data"), env=darien_environment(prefect_api)))
    assert code == 0, err
    assert "2 loaded" in out
    return url, folder / "data"


@pytest.fixture(scope="session")
def darien_env(prefect_api) -> dict[str, str]:
    """The environment of a `darien` subprocess: the session's Prefect server, no DARIEN_* of the caller."""
    from tests.reliability.runs import darien_environment

    return darien_environment(prefect_api)
