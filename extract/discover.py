"""Find the Darién transit documents a source lists: an SNM index page (either site generation), a
local folder, or a single document (a PDF, a re-publication's R data file) given as the source itself."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
import requests

from darien.sniff import DOCUMENT_KINDS, HEAD_BYTES, sniff
from extract.faults import Failed, Refused, SourceError, one_line
from extract.hosts import allowed_set, check_web_url
from extract.links import Link, file_name, is_darien_transit, kind_of, local_path, normalize_url, year_of
from extract.session import open_within, shared_session

log = logging.getLogger(__name__)

MAX_INDEX_BYTES = 5 * 1024 * 1024
MAX_PAGES = 40  # index page + pagination + year sub-pages of one source
MAX_DEPTH = 2
MAX_DOCUMENTS = 2000
_PAGINATION_TEXTS = {"SIGUIENTE", "ANTERIOR", "NEXT", "PREV", "PREVIOUS", "MAS", "»", "›", "«", "‹", ">>", "<<"}
_PAGINATION_QUERY = ("start", "limitstart", "page", "paged", "pg")
_PAGE_PATH = re.compile(r"/page/\d+/?$")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a source URL may be instead of an index page: one document, listed as the source's only one.
SINGLE_KINDS = ("pdf", "rdata")


def discover(
    source: str, *, session: requests.Session | None = None, allowed_hosts: Iterable[str] = ()
) -> list[Link]:
    """Every Darién transit document `source` lists, deduplicated, in the order found.

    `source` is an index URL (its pagination and year sub-pages are followed), a local folder
    (its subfolders too) or file, or a `file://` URL of one. A URL whose first bytes are a PDF or
    R data is one document: the source lists exactly that. Raises SourceError when the source
    itself cannot be read; logs a WARNING when it lists no document at all, since SNM has always
    listed some.
    """
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        links = _crawl(source, session or shared_session(), allowed_set([source], allowed_hosts))
    else:
        links = _scan_folder(_local_path(source), source)
    if not links:
        log.warning("%s lists no Darién transit documents: the source may have changed shape", source)
    return links


def _local_path(source: str) -> Path:
    parts = urlsplit(source)
    if parts.scheme.lower() == "file":
        try:
            return local_path(source)
        except ValueError as err:
            raise SourceError(f"{source}: {err}") from None
    if len(parts.scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise SourceError(f"{source}: unsupported scheme {parts.scheme!r}")
    return Path(source)


def _scan_folder(root: Path, source: str) -> list[Link]:
    if not root.exists():
        raise SourceError(f"{source}: no such file or folder")
    root = root.resolve()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    links = []
    for path in files:
        relative = path.relative_to(root) if path != root else Path(path.name)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if not path.resolve().is_relative_to(root):
            log.debug("%s: skipping %s, a link out of the folder", source, path)
            continue
        name = unicodedata.normalize("NFC", path.name)
        # A folder is someone's own archive, named as they pleased (`Dar_update.pdf`, no
        # suffix): its first bytes say what a file is; its text, at parse time, what it is about.
        kind = _kind_by_content(path, source)
        if kind is None:
            log.debug("%s: skipping %s, not a PDF, HTML or R data document by its content", source, name)
            continue
        year = year_of("", name) or year_of(path.parent.name, "")
        links.append(Link(url=path.as_uri(), text=name, source=source, kind=kind, year=year))
    return links


def _kind_by_content(path: Path, source: str) -> str | None:
    try:
        with path.open("rb") as file:
            kind = sniff(file.read(HEAD_BYTES))
            return kind if kind in DOCUMENT_KINDS else None
    except OSError as err:
        log.warning("%s: skipping %s, cannot read it: %s", source, path, one_line(err))
        return None


def _crawl(source: str, session: requests.Session, allowed: frozenset[str]) -> list[Link]:
    start = normalize_url(source)
    queue = deque([(start, 0)])
    seen_pages = {start}
    found: dict[str, Link] = {}
    dropped: set[str] = set()  # PDF links whose text and name say nothing of Darién transit
    pages = 0
    while queue and pages < MAX_PAGES:
        page_url, depth = queue.popleft()
        pages += 1
        try:
            kind, html, final_url = _read_index(session, page_url, allowed, may_be_document=page_url == start)
        except (Refused, Failed, requests.RequestException) as err:
            reason = one_line(err)
            if page_url == start:
                raise SourceError(f"{source}: {reason}") from None
            log.warning("%s: sub-page %s skipped: %s", source, page_url, reason)
            continue
        if kind in SINGLE_KINDS:  # the source is itself a document, not an index page
            name = file_name(start)
            return [Link(start, name, source, kind, year_of("", name, start))]
        for link, subpage, pagination in _links_on(html, final_url, source, allowed, dropped):
            if link is not None:
                _keep(found, link, source)
            elif subpage not in seen_pages and (depth < MAX_DEPTH or pagination):
                seen_pages.add(subpage)
                queue.append((subpage, depth if pagination else depth + 1))
    if queue:
        log.warning("%s: stopped after %d index pages; %d more not read", source, pages, len(queue))
    # Said once per source at INFO: a renamed SNM file linked with a bare text is dropped
    # here, and only this line tells the operator that the crawl let something go.
    if count := len(dropped - found.keys()):
        log.info("%s: %d PDF link%s dropped, not Darién transit by their text or name",
                 source, count, "" if count == 1 else "s")
    return list(found.values())


def _keep(found: dict[str, Link], link: Link, source: str) -> None:
    earlier = found.get(link.url)
    if earlier is None:
        if len(found) >= MAX_DOCUMENTS:
            log.warning("%s: more than %d documents listed; ignoring %s", source, MAX_DOCUMENTS, link.url)
            return
        found[link.url] = link
    elif earlier.year is None and link.year is not None:
        found[link.url] = Link(earlier.url, earlier.text, earlier.source, earlier.kind, link.year)


def _read_index(
    session: requests.Session, url: str, allowed: frozenset[str], *, may_be_document: bool = False
) -> tuple[str, bytes, str]:
    """("html", body, final URL) of an index page.

    With `may_be_document` (the source's own URL), a body whose first bytes are a PDF or R data
    is ("pdf" | "rdata", b"", final URL): one document, read no further (fetch downloads it).
    """
    with open_within(session, url, allowed) as response:
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code}")
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        chunks = response.iter_content(64 * 1024)
        body = bytearray()
        if may_be_document:
            for chunk in chunks:
                body += chunk
                if len(body) >= HEAD_BYTES:
                    break
            kind = sniff(bytes(body[:HEAD_BYTES]))
            if kind in SINGLE_KINDS:
                return kind, b"", response.url
        if media and media not in _HTML_TYPES:
            content = ", and its content is no PDF or R data" if may_be_document else ""
            raise Refused(f"index page has content type {media!r}, not HTML{content}")
        for chunk in chunks:
            body += chunk
            if len(body) > MAX_INDEX_BYTES:
                raise Refused(f"index page larger than {MAX_INDEX_BYTES} bytes")
        return "html", bytes(body), response.url


def _links_on(html: bytes, page_url: str, source: str, allowed: frozenset[str], dropped: set[str]):
    """Yield (document Link, None, False) or (None, sub-page URL, is_pagination) for each useful anchor.

    The URLs of PDF links dropped for their text and name are added to `dropped`.
    """
    if not html.strip():
        return
    try:
        tree = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError) as err:
        log.warning("%s: %s is not readable HTML: %s", source, page_url, err)
        return
    base = page_url
    for href in tree.xpath("//base/@href")[:1]:
        candidate = urljoin(page_url, href.strip())
        if _web_url(candidate, allowed):
            base = candidate
    if _carries_darien_table(tree):
        yield Link(normalize_url(page_url), _title(tree), source, "html", year_of(_title(tree), "")), None, False
    prefix = urlsplit(normalize_url(source)).path.rstrip("/")
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        url = _web_url(urljoin(base, re.sub(r"[\t\r\n]", "", href.strip())), allowed)
        if url is None:
            log.debug("%s: dropping link %.120r", source, href)
            continue
        text = " ".join(f"{anchor.text_content()} {anchor.get('title', '')}".split())
        name = file_name(url)
        kind = kind_of(name)
        if kind is not None and is_darien_transit(text, name):
            yield Link(url, text, source, kind, year_of(text, name, url)), None, False
        elif kind == "pdf":
            log.debug("%s: skipping %s, not a Darién transit document by its name", source, name)
            dropped.add(url)
        elif kind == "html":
            pagination = _is_pagination(anchor, text, url)
            path = urlsplit(url).path
            if path.startswith(prefix) and (pagination or year_of(text, name) is not None):
                yield None, url, pagination


def _web_url(url: str, allowed: frozenset[str]) -> str | None:
    try:
        check_web_url(url, allowed)
        return normalize_url(url)
    except (Refused, ValueError):
        return None


def _is_pagination(anchor, text: str, url: str) -> bool:
    rel = (anchor.get("rel") or "").lower()
    classes = (anchor.get("class") or "").lower()
    query = parse_qs(urlsplit(url).query)
    return (
        "next" in rel or "prev" in rel
        or "page" in classes or "pagination" in classes
        or text.upper() in _PAGINATION_TEXTS or text.isdigit() and len(text) < 4
        or any(key in query for key in _PAGINATION_QUERY)
        or bool(_PAGE_PATH.search(urlsplit(url).path))
    )


def _carries_darien_table(tree) -> bool:
    # A page that shows the figures itself (an HTML table), not only links to PDFs.
    for table in tree.iter("table"):
        heading = table.xpath("string(preceding::*[self::h1 or self::h2 or self::h3 or self::h4][1])")
        caption = table.xpath("string(caption)")
        if is_darien_transit(f"{heading} {caption}", "") and table.xpath(".//td"):
            return True
    return False


def _title(tree) -> str:
    return " ".join(tree.xpath("string(//title)").split())
