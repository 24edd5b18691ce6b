"""One document to a contract Batch (rows, annual rows, reconciliation, year and cut-off): SNM's PDFs and HTML pages, the re-publication's R data."""

from __future__ import annotations

import calendar
import hashlib
import io
import logging
import re
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd

from darien import contract
from darien.contract import Batch, UnknownTable
from darien.sniff import DOCUMENT_KINDS, HEAD_BYTES, sniff
from transform.categories import category, condition_breakdown
from transform.countries import MARKERS, normalise, split_marker
from transform.errors import (
    LayoutError, NoTableError, NoTextError, NotDarien, UnreadableError, document_name,
)
from transform.lineage import with_lineage
from transform.subject import has_markers, plain
from transform.tables import PrintedDocument, PrintedRow, PrintedTable, month_index

log = logging.getLogger(__name__)

_YEAR = re.compile(r"\bano\s*:?\s*(\d{4})\b")
_PRELIMINARY = re.compile(r"cifras preliminares al (\d{1,2}) de ([a-z]+) del? (\d{4})")
_FOOTNOTE = re.compile(r"^\s*(\(\d+\))\s+(\S.*)$")
# What _record fills, with the contract's dtypes (the document's cut-off and lineage come after).
_RECORD_COLUMNS = {name: contract.COLUMNS[name] for name in (
    "year", "month", "breakdown", "category", "label", "persons", "note", "source_table", "source_page")}


def parse_document(path: Path, *, source_url: str | None = None, sha256: str | None = None) -> Batch:
    """One document version as a contract Batch: an SNM PDF or HTML page (its monthly tables, or
    SNM's historical summary of years by nationality), or the re-publication's R data."""
    path = Path(path)
    name = document_name(path, source_url)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UnreadableError(name, f"cannot read the file ({err.strerror or err})") from None
    if not data:
        raise UnreadableError(name, "empty file (0 bytes)")
    kind = sniff(data[:HEAD_BYTES])
    if kind not in (*DOCUMENT_KINDS, "rdata"):  # darien.sniff may or may not list "rdata" yet
        raise UnreadableError(name, f"not a PDF or HTML document, nor R data (starts with {data[:8]!r})")
    source_url = source_url or path.resolve().as_uri()
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    if kind == "rdata":
        return rdata_batch(path, source_url=source_url, sha256=sha256)
    # Decided on the first page (HTML: the page's text) once the document is open, before its tables.
    screen = partial(_screen, name=name, data=data, kind=kind)
    if kind == "html":
        from transform.html import read_html

        return build_batch(read_html(data, name, screen=screen), name=name, kind=kind,
                           source_url=source_url, sha256=sha256)
    from transform.pdf import read_pdf

    printed = read_pdf(io.BytesIO(data), name, screen=screen)  # the bytes in hand: no second read
    if not any(line.strip() for line in printed.lines):
        raise NoTextError(name, no_text_reason(data))
    try:
        return build_batch(printed, name=name, kind=kind, source_url=source_url, sha256=sha256)
    except NoTableError:
        # No monthly table: SNM's historical summary (years by nationality), else NoTableError.
        return summary_batch(data, printed, name=name, source_url=source_url, sha256=sha256)


def no_text_reason(data: bytes) -> str:
    """Why a PDF that opens yields no words, told apart by its bytes.

    A text-mode transfer turns every LF into CRLF, which shifts every offset the PDF's
    cross-reference table holds and breaks its streams: the file still opens, but no page gives
    text. A PDF as written holds bare LFs (in its structure, and by chance in any compressed
    stream), so CRLF with no bare LF left is that damage; otherwise the pages hold no text
    (image-only or scanned). The pipeline repairs nothing: a repaired file is another document.
    """
    crlf = data.count(b"\r\n")
    if crlf and data.count(b"\n") == crlf:
        return ("no text in the document: line endings converted LF→CRLF in a text-mode transfer "
                "(no bare LF left); fetch the original again, or convert CRLF back to LF")
    return "no text in the document: its pages hold no text (image-only or scanned PDF)"


def rdata_batch(path: Path, *, source_url: str, sha256: str) -> Batch:
    """The re-publication's R data file as a Batch: monthly rows, annual rows (2010-2019), no printed sums to reconcile.

    Its newest year decides `year`, `as_of` (the end of its last month) and `preliminary`
    (only an incomplete last year). A file holding both objects has had its sex totals
    checked against its nationality totals while read (TotalsMismatch).
    """
    from transform.rdata import read_rdata

    read = read_rdata(path, source_url=source_url, sha256=sha256)
    return Batch(source_url=source_url, source_sha256=sha256, year=read.year, as_of=read.as_of,
                 preliminary=read.preliminary, rows=read.rows, annual=read.annual,
                 reconciliation=contract.empty_reconciliation(), kind="rdata",
                 source_kind="republication")


def summary_batch(data: bytes, printed: PrintedDocument, *, name: str, source_url: str, sha256: str) -> Batch:
    """SNM's historical summary (a PDF of years by nationality) as a Batch of annual rows and no monthly rows.

    Every year is final (`as_of` 31 December); the batch's year is the newest. Its
    reconciliation holds the printed Total column's checks (a row's years against it, month 0);
    whether the countries add up to each year's Total row the annual suite checks on the rows.
    """
    from transform.annual import read_annual_pdf

    try:
        summary = read_annual_pdf(io.BytesIO(data), name)
    except NoTableError:
        raise NoTableError(name, f"no monthly SNM table ({len(printed.tables)} unknown table(s)) and no "
                                 f"table of years by nationality (years as columns or as rows), in "
                                 f"{len(printed.lines)} lines of text") from None
    annual = with_lineage(summary.rows, contract.ANNUAL_COLUMNS, source_url=source_url, sha256=sha256,
                          source_kind="snm")
    year = int(annual.year.max())
    checks = summary.reconciliation
    checks = checks[checks.check == "total_column"].rename(columns={"year": "month"})
    return Batch(source_url=source_url, source_sha256=sha256, year=year, as_of=date(year, 12, 31),
                 preliminary=False, rows=contract.empty_rows(), annual=annual,
                 reconciliation=checks[list(contract.RECONCILIATION_COLUMNS)].astype(
                     contract.RECONCILIATION_COLUMNS).reset_index(drop=True),
                 kind="pdf", source_kind="snm", modified_at=summary.modified_at,
                 unknown=[_unknown(t) for t in printed.tables if t.label_header])


def _screen(text: str, *, name: str, data: bytes, kind: str) -> None:
    """Raise NotDarien when `text` (a PDF's first page, an HTML page) is readable but not about Darién transit."""
    if not plain(text) or has_markers(text):
        return  # no readable text decides nothing: the full parse says NoTextError or reads it
    if kind == "pdf" and b"%%EOF" not in data[-1024:]:
        # A cut-off PDF may have lost the title of its first page: unreadable, not another subject.
        raise UnreadableError(name, "unreadable or truncated PDF (no %%EOF at its end)")
    where = "on its first page" if kind == "pdf" else "in its text"
    raise NotDarien(name, f"no Darién transit markers {where} (not an SNM Darién document)")


def _total_row(table: PrintedTable, name: str) -> PrintedRow:
    for row in table.rows:
        if normalise(row.label) == "total":
            return row
    raise LayoutError(name, f"{table.source_table} has no Total row")


def _breakdown(table: PrintedTable) -> str | None:
    if table.kind == "condition":
        return condition_breakdown([r.label for r in table.rows if normalise(r.label) != "total"])
    return table.kind


def _cut_off(lines: list[str]) -> date | None:
    for line in lines:
        found = _PRELIMINARY.search(normalise(line))
        month = month_index(found.group(2)) if found else None
        if month:
            day, year = int(found.group(1)), int(found.group(3))
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def _year(tables: list[PrintedTable], name: str) -> int:
    years = {int(m.group(1)) for t in tables for m in [_YEAR.search(normalise(t.title))] if m}
    if not years:
        raise LayoutError(name, "no year (AÑO YYYY) in any table title")
    if len(years) > 1:
        raise LayoutError(name, f"table titles name different years {sorted(years)}")
    return years.pop()


def build_batch(printed: PrintedDocument, *, name: str, kind: str, source_url: str, sha256: str) -> Batch:
    """The contract Batch of a document's printed tables."""
    if not any(line.strip() for line in printed.lines):
        raise NoTextError(name, "no text in the document")
    known, unknown = [], []
    for table in printed.tables:
        (known if table.kind and _breakdown(table) else unknown).append(table)
    for table in unknown:
        log.warning("%s: skipped a table the parser does not know: %s", name, table.title)  # the worker's own log
    if not known:
        raise NoTableError(name, f"no recognised SNM table ({len(unknown)} unknown table(s), "
                                 f"{len(printed.lines)} lines of text)")
    year = _year(known, name)
    document_total = _total_row(known[0], name)
    reported = [m for m in range(1, 13) if document_total.months[m - 1] is not None]
    if not reported:
        raise LayoutError(name, f"{known[0].source_table}: the Total row reports no month")
    last = max(reported)
    cut_off = _cut_off(printed.lines)
    as_of = cut_off or date(year, last, calendar.monthrange(year, last)[1])
    footnotes = {}
    for line in printed.lines:
        if found := _FOOTNOTE.match(line):
            footnotes.setdefault(found.group(1), found.group(2).strip())

    records: list[dict] = []
    checks: list[tuple] = []
    first = known[0].source_table
    for month in range(1, last + 1):
        records.append(_record(year, month, "total", "total", document_total,
                               document_total.months[month - 1], None, first))
    for table in known:
        breakdown = _breakdown(table)
        total = _total_row(table, name)
        rows = [r for r in table.rows if r is not total and normalise(r.label) != "total"]
        for row in rows:
            _, marker = split_marker(row.label)
            note = (MARKERS.get(marker) or footnotes.get(marker)) if marker else None
            code = category(breakdown, row.label)
            for month in range(1, last + 1):
                records.append(_record(year, month, breakdown, code, row,
                                       row.months[month - 1], note, table.source_table))
        checks += _reconcile(table.source_table, total, rows, document_total)

    frame = pd.DataFrame.from_records(records, columns=list(_RECORD_COLUMNS))
    frame["preliminary"] = cut_off is not None or last < 12
    frame["as_of"] = pd.Timestamp(as_of)
    rows_frame = with_lineage(frame.astype(_RECORD_COLUMNS), contract.COLUMNS, source_url=source_url,
                              sha256=sha256, source_kind="snm")
    reconciliation = pd.DataFrame(checks, columns=list(contract.RECONCILIATION_COLUMNS)).astype(
        contract.RECONCILIATION_COLUMNS)
    return Batch(source_url=source_url, source_sha256=sha256, year=year, as_of=as_of,
                 preliminary=bool(cut_off is not None or last < 12), rows=rows_frame,
                 reconciliation=reconciliation, kind=kind, modified_at=printed.modified_at,
                 unknown=[_unknown(t) for t in unknown])


def _unknown(table: PrintedTable) -> UnknownTable:
    """A printed table the parser does not know, as it travels in the batch: title, page, readable rows, lines."""
    rows = [(r.label, r.total, *r.months) for r in table.rows]
    first_page = table.rows[0].page if table.rows else table.page
    return UnknownTable(table.title, min(first_page, table.page), rows, list(table.lines))


def _record(year: int, month: int, breakdown: str, code: str, row: PrintedRow,
            value: int | None, note: str | None, source_table: str) -> dict:
    # SNM prints "-" both for zero and for months not yet reported; only reported months get here.
    return {"year": year, "month": month, "breakdown": breakdown, "category": code,
            "label": row.label, "persons": value or 0, "note": note,
            "source_table": source_table, "source_page": row.page}


def _reconcile(source_table: str, total: PrintedRow, rows: list[PrintedRow],
               document_total: PrintedRow) -> list[tuple]:
    """The table's checks: its rows add up to its Total row, months to the Total column, its Total to the document's."""
    checks = []
    for month in range(0, 13):
        def value(row: PrintedRow) -> int:
            return (row.total if month == 0 else row.months[month - 1]) or 0
        checks.append((source_table, "rows_sum", total.label, month, value(total),
                       sum(value(r) for r in rows)))
        checks.append((source_table, "document_total", total.label, month,
                       value(document_total), value(total)))
    for row in [total, *rows]:
        checks.append((source_table, "total_column", row.label, 0, row.total or 0,
                       sum(v or 0 for v in row.months)))
    return checks
