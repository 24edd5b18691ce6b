"""Fetch one document if it changed, into the landing zone, reporting what happened as a DocumentVersion."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import HTTPError as WireError

from darien.contract import DocumentVersion, shown_url
from extract.faults import Failed, Refused, one_line
from extract.hosts import allowed_set
from extract.landing import Spool, described
from extract.links import Link, local_path
from extract.session import open_within, shared_session

log = logging.getLogger(__name__)

MiB = 1024 * 1024
CHUNK = 64 * 1024
# Servers label PDFs loosely; the magic bytes decide among these.
_BINARY = {"application/octet-stream", "binary/octet-stream", "application/download", "application/force-download"}
_MEDIA_TYPES = {
    "pdf": {"application/pdf", "application/x-pdf", *_BINARY},
    "html": {"text/html", "application/xhtml+xml"},
    # R data has no registered type: raw.githubusercontent.com serves .rda as octet-stream, others
    # name the compression. A text/* label is refused: R data is binary (XDR, nearly always
    # compressed), so a server calling it text is serving something else (an error page).
    "rdata": {"application/x-r-data", "application/x-rdata", "application/x-bzip2", "application/x-bzip",
              "application/gzip", "application/x-gzip", "application/x-xz", *_BINARY},
}
_LOCAL_TYPES = {"pdf": "application/pdf", "html": "text/html", "rdata": "application/octet-stream"}


def fetch(
    link: Link,
    previous: DocumentVersion | None,
    *,
    raw_dir: Path,
    allowed_hosts: Iterable[str] = (),
    max_bytes: int = 50 * MiB,
    session: requests.Session | None = None,
) -> DocumentVersion:
    """Download `link` unless `previous` shows it unchanged; never raises for this document's own faults.

    Returns fetch="downloaded" (a new sha256 landed in raw_dir), "not_modified" (304, or the
    same bytes again: previous sha256/path), "refused" (not what we accept) or "failed"
    (network or HTTP trouble), the last two with a one-line `error` naming the URL.
    """
    raw_dir = Path(raw_dir)
    base = DocumentVersion(url=link.url, source=link.source, fetch="failed", kind=link.kind, year=link.year)
    known = _usable(previous, link.url)
    try:
        if urlsplit(link.url).scheme.lower() == "file":
            version = _copy_local(link, known, base, raw_dir, max_bytes)
        else:
            allowed = allowed_set([link.source], allowed_hosts)
            version = _download(link, known, base, raw_dir, max_bytes, session or shared_session(), allowed)
    except Refused as err:
        version = replace(base, fetch="refused", error=f"{shown_url(link.url)}: refused: {one_line(err)}")
    except (Failed, requests.RequestException) as err:
        version = replace(base, fetch="failed", error=f"{shown_url(link.url)}: failed: {one_line(err)}")
    except OSError as err:  # the landing zone could not be written (disk full, file-size limit)
        version = replace(base, fetch="failed", error=f"{shown_url(link.url)}: failed: landing zone: {one_line(err)}")
    if version.error:
        log.warning(version.error)
    else:
        log.info("%s: %s (%s)", link.url, version.fetch, (version.sha256 or "")[:12])
    return version


def restore(link: Link, sha256: str, *, raw_dir: Path, allowed_hosts: Iterable[str] = (),
            max_bytes: int = 50 * MiB, session: requests.Session | None = None) -> Path:
    """Fetch `link` again, without conditional headers, and land it if its bytes are `sha256`'s.

    For a version whose raw file went missing or was damaged: a damaged file is replaced.
    Raises Refused or Failed (one line, naming the URL) when the bytes cannot be had again.
    """
    raw_dir = Path(raw_dir)
    base = DocumentVersion(url=link.url, source=link.source, fetch="failed", kind=link.kind)
    try:
        if urlsplit(link.url).scheme.lower() == "file":
            version = _copy_local(link, None, base, raw_dir, max_bytes, restoring=sha256)
        else:
            allowed = allowed_set([link.source], allowed_hosts)
            version = _download(link, None, base, raw_dir, max_bytes, session or shared_session(),
                                allowed, restoring=sha256)
    except (requests.RequestException, OSError) as err:
        raise Failed(f"{shown_url(link.url)}: {one_line(err)}") from None
    except (Refused, Failed) as err:
        raise type(err)(f"{shown_url(link.url)}: {one_line(err)}") from None
    return version.path


def _usable(previous: DocumentVersion | None, url: str) -> DocumentVersion | None:
    # Only a known version of this very URL can vouch for "unchanged". A lost raw file is
    # fetched again; bytes the landing zone keeps no file of on purpose (skipped, pruned) are not.
    if previous is None or previous.url != url or not previous.sha256:
        return None
    if not previous.kept:
        return previous
    return previous if previous.path is not None and Path(previous.path).is_file() else None


def _landed(spool: Spool, sha256: str, restoring: str | None) -> Path:
    """Keep the spooled body; when restoring a version, only its own bytes, over a damaged file."""
    if restoring is None:
        return spool.keep()
    if sha256 != restoring:
        raise Failed(f"now serves other bytes (sha256 {sha256[:12]}, not {restoring[:12]})")
    return spool.keep(replace=True)


def _download(
    link: Link, known: DocumentVersion | None, base: DocumentVersion, raw_dir: Path,
    max_bytes: int, session: requests.Session, allowed: frozenset[str], restoring: str | None = None,
) -> DocumentVersion:
    headers = {"Accept-Encoding": "identity"}
    if known and known.etag:
        headers["If-None-Match"] = known.etag
    if known and known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    with open_within(session, link.url, allowed, headers) as response:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if response.status_code == 304 and known is not None:
            return _unchanged(known, base, etag, last_modified)
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code} {response.reason or ''}".strip())
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media and media not in _MEDIA_TYPES[link.kind]:
            raise Refused(f"content type {media!r} is not {described(link.kind)}")
        expected = _content_length(response)
        if expected is not None and expected > max_bytes:
            raise Refused(f"Content-Length {expected} is over the {max_bytes}-byte limit")
        with Spool(raw_dir, link.kind, max_bytes) as spool:
            chunks = response.raw.stream(CHUNK, decode_content=True)
            while True:
                try:
                    chunk = next(chunks, None)
                except (WireError, ConnectionError, TimeoutError) as err:
                    got = response.raw.tell()
                    if expected is not None and got < expected:
                        raise Failed(f"truncated: {got} of {expected} bytes arrived ({one_line(err)})") from None
                    raise Failed(f"body not received: {one_line(err)}") from None
                if chunk is None:
                    break
                spool.write(chunk)
            if expected is not None and response.raw.tell() != expected:
                raise Failed(f"truncated: {response.raw.tell()} of {expected} bytes arrived")
            sha256 = spool.finish()
            if known is not None and sha256 == known.sha256:
                return _unchanged(known, base, etag, last_modified)
            path = _landed(spool, sha256, restoring)
    return replace(base, fetch="downloaded", sha256=sha256, path=path, etag=etag,
                   last_modified=last_modified, content_type=media or None, bytes=spool.size)


def _copy_local(
    link: Link, known: DocumentVersion | None, base: DocumentVersion, raw_dir: Path, max_bytes: int,
    restoring: str | None = None,
) -> DocumentVersion:
    if urlsplit(link.source).scheme.lower() in ("http", "https"):
        raise Refused("a file: link found on a web page is never read")
    try:
        path = local_path(link.url)
    except ValueError as err:
        raise Refused(str(err)) from None
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise Refused("not a regular file")
        if size > max_bytes:
            raise Refused(f"{size} bytes is over the {max_bytes}-byte limit")
        with Spool(raw_dir, link.kind, max_bytes) as spool, path.open("rb") as source:
            while chunk := source.read(CHUNK):
                spool.write(chunk)
            sha256 = spool.finish()
            if known is not None and sha256 == known.sha256:
                return _unchanged(known, base, None, None)
            stored = _landed(spool, sha256, restoring)
    except FileNotFoundError:
        raise Failed("no such file") from None
    except PermissionError:
        raise Failed("permission denied") from None
    return replace(base, fetch="downloaded", sha256=sha256, path=stored,
                   content_type=_LOCAL_TYPES[link.kind], bytes=spool.size)


def _unchanged(known: DocumentVersion, base: DocumentVersion, etag: str | None, last_modified: str | None):
    return replace(
        base, fetch="not_modified", sha256=known.sha256, path=known.path,
        etag=etag or known.etag, last_modified=last_modified or known.last_modified,
        content_type=known.content_type, bytes=known.bytes, kind=known.kind or base.kind,
    )


def _content_length(response: requests.Response) -> int | None:
    raw = response.headers.get("Content-Length", "").strip()
    if not raw.isdigit():
        return None
    return int(raw)
