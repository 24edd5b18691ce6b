"""A generated archive served like the SNM site on 127.0.0.1: index pages, and PDFs as static files with validators."""

from __future__ import annotations

import hashlib
import json
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PUBLISHED = 1_700_000_000  # every file's Last-Modified: the archive does not change while served


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        page = self.server.pages.get(path)
        if page is not None:
            self._send(200, page.encode(), "text/html; charset=utf-8")
            return
        file = self.server.root / unquote(parts.path).lstrip("/")
        if not file.is_file() or not file.resolve().is_relative_to(self.server.root):
            self._send(404, b"not found", "text/plain")
            return
        body = file.read_bytes()
        etag = f'"{hashlib.md5(body).hexdigest()}"'
        if self._not_modified(etag):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, "application/pdf", {"ETag": etag,
                                                  "Last-Modified": formatdate(PUBLISHED, usegmt=True)})

    def _not_modified(self, etag: str) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since).timestamp() >= PUBLISHED
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass  # thousands of requests per run: keep the bench output to its table


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    pages: dict[str, str]


class Site:
    """A context manager serving an archive folder (from bench.corpus.build) on 127.0.0.1; `url` is its base."""

    def __init__(self, archive: Path) -> None:
        manifest = json.loads((archive / "manifest.json").read_text())
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.root = (archive / "site").resolve()
        self._server.pages = manifest["pages"]
        self.documents = len(manifest["documents"])
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "Site":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
