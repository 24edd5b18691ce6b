"""Tables of an SNM PDF, found by their header words and read cell by cell from word positions.

pdfplumber's own table finder returns whole columns as one cell on these files, and the
characters of one number come apart into several words (`1 ,071`, `2 38,185`). So each
page's words are grouped into lines; a line holding a label word, `Total` and the month
abbreviations is a header; its words' x positions give the columns; every word whose
x-centre falls inside a column belongs to that cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

from transform.errors import EncryptedError, ParseError, ParseMemoryError, UnreadableError
from transform.tables import (
    PrintedDocument, PrintedRow, PrintedTable, cell_value, is_chart_title, is_cuadro_title, month_index,
)
from transform.countries import normalise

LINE_TOLERANCE = 2.5  # points: words of one printed line share a `top` within this
MIN_MONTH_HEADERS = 6
MAX_TITLE_LINES = 4


@dataclass
class Columns:
    """The x ranges of a table's value columns (0 = annual Total, 1-12 = months)."""

    bounds: list[tuple[int, float, float]]

    @property
    def label_right(self) -> float:
        return self.bounds[0][1]

    def column_of(self, x: float) -> int | None:
        for key, left, right in self.bounds:
            if left <= x < right:
                return key
        return None


def x_centre(word: dict) -> float:
    """The x-centre of a pdfplumber word: the column it belongs to."""
    return (word["x0"] + word["x1"]) / 2


def word_lines(words: list[dict]) -> list[list[dict]]:
    """A page's words grouped into printed lines (top to bottom), each line's words left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _header(line: list[dict]) -> tuple[str, Columns] | None:
    """The label-column header and columns of a header line, or None if the line is not one."""
    totals = [i for i, w in enumerate(line) if normalise(w["text"]) == "total"]
    if not totals or totals[0] == 0:
        return None
    at = totals[0]
    centres = [(0, x_centre(line[at]))]
    for word in line[at + 1:]:
        month = month_index(word["text"])
        if month is None or any(k == month for k, _ in centres):
            return None
        centres.append((month, x_centre(word)))
    if len(centres) - 1 < MIN_MONTH_HEADERS:
        return None
    bounds = []
    for i, (key, centre) in enumerate(centres):
        left = (centres[i - 1][1] + centre) / 2 if i else centre - (centres[1][1] - centre) / 2
        if i + 1 < len(centres):
            right = (centre + centres[i + 1][1]) / 2
        else:
            # Numbers are right-aligned: give the last column room past its header.
            right = centre + 0.75 * (centre - centres[i - 1][1])
        bounds.append((key, left, right))
    label = " ".join(w["text"] for w in line[:at])
    return label, Columns(bounds)


def line_cells(line: list[dict], columns: Columns) -> tuple[list[str], dict[int, list[str]]] | None:
    """A line's label words and the words under each column; None when a word sits outside them.

    The words of one cell are kept apart: pdfplumber splits a number's characters ("2 38,185").
    """
    label_words, cells = [], {}
    for word in line:
        x = x_centre(word)
        if x < columns.label_right:
            if cells:
                return None
            label_words.append(word["text"])
            continue
        key = columns.column_of(x)
        if key is None:
            return None
        cells.setdefault(key, []).append(word["text"])
    return label_words, cells


def _row(line: list[dict], columns: Columns, page: int) -> PrintedRow | None:
    """The line read as a table row, or None when it is anything else (title, chart, note)."""
    found = line_cells(line, columns)
    if found is None:
        return None
    label_words, cells = found
    if not label_words or 0 not in cells:
        return None
    values = {}
    for key, texts in cells.items():
        value = cell_value("".join(texts))
        if isinstance(value, str):
            return None
        values[key] = value
    return PrintedRow(" ".join(label_words), values[0],
                      [values.get(m) for m in range(1, 13)], page)


def _unreadable_row(line: list[dict], columns: Columns) -> bool:
    """Whether the line is a table row with a cell the reader cannot read: a label, a Total and at
    least as many number cells as a header has months, and one cell that is no number or `-`."""
    found = line_cells(line, columns)
    if found is None or not found[0] or 0 not in found[1]:
        return False
    values = [cell_value("".join(texts)) for texts in found[1].values()]
    read = sum(not isinstance(v, str) for v in values)
    return MIN_MONTH_HEADERS <= read < len(values)


_TITLE_YEAR = re.compile(r"\bA[ÑN]O\s*:?\s*\d{4}\b", re.IGNORECASE)


def _continues_title(text: str) -> bool:
    """Whether a line under a `Cuadro No.` title may be more of the title: no Total, no figure (its year aside)."""
    words = _TITLE_YEAR.sub("", text).split()
    return not any(normalise(w) == "total" or not isinstance(cell_value(w), str) for w in words)


class _Reader:
    """Walks the lines of every page in order, opening, continuing and closing tables.

    Every `Cuadro No.` title makes a table: one that no header follows before the next title,
    chart or page end is kept with its lines and no label header (the parser does not know it).
    """

    def __init__(self) -> None:
        self.tables: list[PrintedTable] = []
        self.lines: list[str] = []
        self.current: tuple[PrintedTable, Columns] | None = None
        self.title: list[str] = []
        self.title_open = False  # whether the next line may still be part of the title
        self.pending: PrintedTable | None = None  # a title no header has opened yet
        self.collecting: PrintedTable | None = None  # the table the lines go to, until a title, chart or page end

    def page(self, number: int, words: list[dict]) -> None:
        # A table still open at the bottom of the previous page may go on here, header or not.
        carried, self.current, self.title = self.current, None, []
        self._end_lines()
        for line in word_lines(words):
            text = " ".join(w["text"] for w in line)
            self.lines.append(text)
            kept = None  # the table this line was added to as a row
            header = _header(line)
            if header:
                self._open(header, carried, number)
                carried = None
            elif is_cuadro_title(text):
                self._end_lines()
                self.current, self.title, self.title_open, carried = None, [text], True, None
                self.pending = self.collecting = PrintedTable(text, "", page=number)
            elif is_chart_title(text):
                self._end_lines()
                self.current, self.title = None, []
            elif self.current or carried:
                table, columns = self.current or carried
                row = _row(line, columns, number)
                if row:
                    self._append(table, row)
                    self.current, carried, kept = (table, columns), None, table
                elif _unreadable_row(line, columns):
                    # Not the table's end: the table is one the parser cannot read, kept as printed.
                    table.unreadable = True
                    self.current, carried, kept = (table, columns), None, table
                elif self.current:
                    self.current = None
            elif self.title and self.title_open and len(self.title) < MAX_TITLE_LINES:
                self.title_open = _continues_title(text)
                if self.title_open:
                    self.title.append(text)
                    if self.pending:
                        self.pending.title = " ".join(self.title)
            if kept is not None and kept is not self.collecting:
                kept.lines.append(text)
            if self.collecting is not None:
                self.collecting.lines.append(text)
        self._end_lines()

    def _end_lines(self) -> None:
        """A title, chart or page end: the lines so far belong to no table any more; a pending title is a table."""
        if self.pending is not None:
            self.tables.append(self.pending)
        self.pending = self.collecting = None

    def _open(self, header: tuple[str, Columns], carried, number: int) -> None:
        label, columns = header
        title = " ".join(self.title)
        self.title = []
        table = None
        if title:
            probe = PrintedTable(title, label)
            table = next((t for t in self.tables if t.source_table == probe.source_table
                          and is_cuadro_title(title)), None)
        elif carried and normalise(carried[0].label_header) == normalise(label):
            table = carried[0]
        else:
            # A header repeated without its title, after a page break: the last table opened by a header.
            last = next((t for t in reversed(self.tables) if t.label_header), None)
            if last is not None and normalise(last.label_header) == normalise(label):
                table = last
        lines = self.pending.lines if self.pending is not None and title else []
        self.pending = None
        if table is None:
            table = PrintedTable(title or f"(untitled table headed {label!r})", label, page=number)
            self.tables.append(table)
        table.lines += lines
        self.current, self.collecting = (table, columns), table

    @staticmethod
    def _append(table: PrintedTable, row: PrintedRow) -> None:
        repeated_total = any(
            r.label == row.label and r.total == row.total and r.months == row.months
            for r in table.rows if normalise(r.label) == "total")
        if not repeated_total:
            table.rows.append(row)


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")


def pdf_date(value: str | bytes | None) -> datetime | None:
    """A PDF date string (`D:20230321151633-05'00'`) as an aware datetime, None if absent or odd."""
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    found = _PDF_DATE.match(value or "")
    if not found:
        return None
    y, mo, d, h, mi, s, sign, oh, om = found.groups()
    offset = timedelta(hours=int(oh or 0), minutes=int(om or 0))
    tz = timezone(-offset if sign == "-" else offset) if sign in ("+", "-") else timezone.utc
    try:
        return datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0),
                        int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def _cause(err: Exception) -> Exception:
    # pdfplumber wraps pdfminer's errors: the original is its first argument.
    inner = err.args[0] if err.args and isinstance(err.args[0], Exception) else None
    return inner or err.__cause__ or err.__context__ or err


def read_failure(name: str, err: Exception, what: str) -> ParseError:
    """The one-line ParseError for an exception pdfplumber or pdfminer raised: encrypted, out of memory, else `what`."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = _cause(err)
    if isinstance(cause, ParseError):
        return cause  # a time limit that fired inside pdfplumber, wrapped by it
    if isinstance(cause, MemoryError):
        return ParseMemoryError(name, "parsing needed more memory than allowed")
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedError(name, f"encrypted PDF, cannot be read without its password ({type(cause).__name__})")
    detail = str(cause) or type(cause).__name__
    return UnreadableError(name, f"{what} ({detail})")


def open_pdf(source: Path | BinaryIO, name: str):
    """pdfplumber's PDF, or a one-line ParseError naming the file when it cannot be opened."""
    import pdfplumber

    try:
        return pdfplumber.open(source)
    except (ParseError, MemoryError):
        raise
    except Exception as err:
        raise read_failure(name, err, "not a readable PDF") from None


def read_pdf(source: Path | BinaryIO, name: str, *,
             screen: Callable[[str], None] | None = None) -> PrintedDocument:
    """Every table printed in a PDF (a path or a binary stream), with its lines of text and modification date.

    `screen`, if given, gets the first page's text before any table is read, and may raise
    to stop there: the page's words are extracted once, for it and for the tables.
    """
    pdf = open_pdf(source, name)
    reader = _Reader()
    try:
        with pdf:
            modified = pdf_date(pdf.metadata.get("ModDate"))
            for page in pdf.pages:
                try:
                    words = page.extract_words()
                    if screen is not None and page.page_number == 1:
                        screen(" ".join(w["text"] for w in words))
                    reader.page(page.page_number, words)
                finally:
                    page.close()  # pdfplumber keeps every page's objects otherwise
    except (ParseError, MemoryError):
        raise
    except Exception as err:
        raise read_failure(name, err, "unreadable or truncated PDF") from None
    return PrintedDocument(reader.tables, reader.lines, modified)
