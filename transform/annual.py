"""Annual figures: the frame both sources' annual rows share, and SNM's historical summary (2010-2019 by nationality) read off a PDF.

The summary's layout is not known here, so a table may have its years as columns
(País | 2010 … 2019 | Total) or as rows (Año | Cuba | Haití … | Total). Lines and cells are
read as the monthly tables are (transform.pdf): words grouped into lines, a header's word
positions giving the columns, each word going to the column its x-centre falls in, the
words of one cell joined (`2 9,289`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO

from darien.contract import ANNUAL_COLUMNS, ANNUAL_KEY, LINEAGE_SET_BY_LOAD, OTHER_COUNTRIES
from transform.countries import country_code, marker_note, normalise
from transform.errors import LayoutError, NoTableError, NoTextError, ParseError
from transform.pdf import Columns, line_cells, open_pdf, pdf_date, read_failure, word_lines, x_centre
from transform.tables import PrintedTable, cell_value, is_cuadro_title

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

# Column name -> pandas dtype of the annual rows a reader fills: contract.ANNUAL_COLUMNS less
# the lineage (transform.lineage adds it). Key contract.ANNUAL_KEY; `as_of` is 31 December.
ANNUAL_READ_COLUMNS: dict[str, str] = {
    name: dtype for name, dtype in ANNUAL_COLUMNS.items()
    if name not in ("source_url", "source_sha256", "pipeline_version", "source_kind", *LINEAGE_SET_BY_LOAD)
}

# An annual table's checks: its rows add up to its Total row, a row's years to its Total column.
ANNUAL_RECONCILIATION_COLUMNS: dict[str, str] = {
    "source_table": "string",
    "check": "string",  # "rows_sum" | "total_column"
    "label": "string",
    "year": "int64",  # 0 for the Total column
    "expected": "int64",
    "actual": "int64",
}

MIN_YEARS = 3  # fewer years in a header, or fewer year rows in a run, is no table of years
# `Otros` alone is not among darien.countries' spellings of "Otros Países".
OTHERS = ("otros", "otros paises", "otras nacionalidades")
_YEAR = re.compile(r"^(19|20)\d\d$")
_NUMERIC = re.compile(r"^[\d,.]+$|^[-–—]$")


@dataclass
class AnnualSummary:
    """SNM's historical summary, read: annual rows and the checks of its printed totals."""

    rows: pd.DataFrame  # ANNUAL_READ_COLUMNS
    reconciliation: pd.DataFrame  # ANNUAL_RECONCILIATION_COLUMNS
    modified_at: datetime | None = None  # the PDF's ModDate


@dataclass
class _Grid:
    """One table as printed, whichever way round: (country label, year; 0 = Total column) -> value."""

    title: str
    label_header: str
    cells: dict[tuple[str, int], int | None]
    pages: dict[str, int]  # country label -> page of its row or column

    @property
    def source_table(self) -> str:
        return PrintedTable(self.title, self.label_header).source_table


def annual_frame(records: list[dict]) -> pd.DataFrame:
    """Annual rows (dicts with ANNUAL_READ_COLUMNS' keys) as a frame with its dtypes, in key order."""
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=list(ANNUAL_READ_COLUMNS)).astype(ANNUAL_READ_COLUMNS)
    return frame.sort_values(list(ANNUAL_KEY), ignore_index=True)


def read_annual_pdf(source: Path | BinaryIO, name: str) -> AnnualSummary:
    """Every table of years by nationality in a PDF (a path or binary stream) as annual rows; NoTableError when there is none."""
    grids, lines_read = [], 0
    pdf = open_pdf(source, name)
    try:
        with pdf:
            modified = pdf_date(pdf.metadata.get("ModDate"))
            for page in pdf.pages:
                try:
                    lines = word_lines(page.extract_words())
                finally:
                    page.close()
                lines_read += len(lines)
                grids += _grids(lines, page.page_number, name)
    except (ParseError, MemoryError):
        raise
    except Exception as err:
        raise read_failure(name, err, "unreadable or truncated PDF") from None
    if not lines_read:
        raise NoTextError(name, "no text in the document (image-only or scanned PDF)")
    if not grids:
        raise NoTableError(name, f"no table of years by nationality (years as columns or as rows) "
                                 f"in {lines_read} lines of text")
    return AnnualSummary(*_summary(grids, name), modified_at=modified)


def _text(line: list[dict]) -> str:
    return " ".join(w["text"] for w in line)


def _is_total(text: str) -> bool:
    return normalise(text) == "total"


def _bounds(centres: list[tuple[int, float]]) -> Columns:
    """Columns around header centres (in x order), split half-way; the last one reaches past its header for right-aligned numbers."""
    bounds = []
    for i, (key, centre) in enumerate(centres):
        step = centres[1][1] - centres[0][1] if i == 0 else centre - centres[i - 1][1]
        left = centre - step / 2
        right = (centre + centres[i + 1][1]) / 2 if i + 1 < len(centres) else centre + 0.75 * step
        bounds.append((key, left, right))
    return Columns(bounds)


def _cells(line: list[dict], columns: Columns) -> tuple[str, dict[int, int | None]] | None:
    """A line as (label, values by column key), or None when it is not a table row (a chart label, `80%`, a note)."""
    found = line_cells(line, columns)
    if found is None:
        return None
    label, texts = found
    values = {key: cell_value("".join(parts)) for key, parts in texts.items()}
    if not label or not values or any(isinstance(v, str) for v in values.values()):
        return None
    return " ".join(label), values


def _title(lines: list[list[dict]], before: int) -> str:
    """The table's title: the nearest `Cuadro No.` line above it (with the line after it), else the line just above."""
    above = [_text(line) for line in lines[max(0, before - 4):before]]
    for i in range(len(above) - 1, -1, -1):
        if is_cuadro_title(above[i]):
            return " ".join(above[i:i + 2])
    return above[-1] if above else ""


def _grids(lines: list[list[dict]], page: int, name: str) -> list[_Grid]:
    """The tables of years of one page's lines: years as columns, else years as rows."""
    grids, i = [], 0
    while i < len(lines):
        found = _years_as_columns(lines, i, page, name) or _years_as_rows(lines, i, page, name)
        if found:
            grid, i = found
            grids.append(grid)
        else:
            i += 1
    return grids


def _years_as_columns(lines, at: int, page: int, name: str) -> tuple[_Grid, int] | None:
    """A table whose header at line `at` is a label, then years (and a Total) as columns."""
    line = lines[at]
    keys = [int(w["text"]) if _YEAR.match(w["text"]) else 0 if _is_total(w["text"]) else None for w in line]
    first = next((i for i, k in enumerate(keys) if k is not None), None)
    if not first or None in keys[first:] or keys[first:].count(0) > 1:
        return None
    years = [k for k in keys[first:] if k]
    if len(years) < MIN_YEARS or len(set(years)) < len(years):
        return None
    columns = _bounds([(k, x_centre(w)) for k, w in zip(keys[first:], line[first:])])
    cells, pages, end = {}, {}, at + 1
    while end < len(lines) and (row := _cells(lines[end], columns)):
        label, values = row
        if label in pages:
            raise LayoutError(name, f"two rows labelled {label!r} in the table of page {page}")
        pages[label] = page
        cells |= {(label, key): value for key, value in values.items()}
        end += 1
    if not pages:
        return None
    return _Grid(_title(lines, at), _text(line[:first]), cells, pages), end


def _year_row(line: list[dict]) -> bool:
    """Whether a line is a year (or Total) followed by figures only: a row of a table with years as rows."""
    first = line[0]["text"]
    return bool((_YEAR.match(first) or _is_total(first)) and len(line) > 1
                and all(_NUMERIC.match(w["text"]) for w in line[1:]))


def _years_as_rows(lines, at: int, page: int, name: str) -> tuple[_Grid, int] | None:
    """A table whose header at line `at` names the countries (and a Total) as columns, with a row per year below it."""
    end = at + 1
    while end < len(lines) and _year_row(lines[end]):
        end += 1
    rows = lines[at + 1:end]
    if sum(1 for r in rows if _YEAR.match(r[0]["text"])) < MIN_YEARS:
        return None
    header = lines[at]
    values_left = min(w["x0"] for r in rows for w in r[1:])
    label = [w for w in header if w["x1"] <= values_left]
    names = _names([w for w in header if w["x1"] > values_left])
    if not label or not names:
        return None
    columns = _bounds([(i + 1, centre) for i, (_, centre) in enumerate(names)])
    labels = {i + 1: text for i, (text, _) in enumerate(names)}
    total_key = next((k for k, text in labels.items() if _is_total(text)), None)
    cells = {}
    for line in rows:
        read = _cells(line, columns)
        if read is None:
            raise LayoutError(name, f"a row of the table of years on page {page} does not fit its "
                                    f"header's columns: {_text(line)!r}")
        # Turned round to the other orientation's keys: the Total row gives each country's
        # Total column, the Total column the Total row's years.
        year_text, values = read
        year = 0 if _is_total(year_text) else int(year_text)
        cells |= {(labels[key], year): value for key, value in values.items() if key != total_key}
        if total_key in values:
            cells[("Total", year)] = values[total_key]
    pages = {country: page for country, _ in cells}
    return _Grid(_title(lines, at), _text(label), cells, pages), end


def _names(words: list[dict]) -> list[tuple[str, float]]:
    """Header words grouped into column names (`Sri Lanka`, `Rep. Dominicana`): words a space apart belong together."""
    names: list[list[dict]] = []
    for word in words:
        gap = word["x0"] - names[-1][-1]["x1"] if names else None
        if gap is not None and gap <= 0.6 * (word["bottom"] - word["top"]):
            names[-1].append(word)
        else:
            names.append([word])
    return [(" ".join(w["text"] for w in group), (group[0]["x0"] + group[-1]["x1"]) / 2) for group in names]


def _summary(grids: list[_Grid], name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Annual rows and checks of the tables read: `total` from the Total row, `country` from the others."""
    import pandas as pd

    records, checks = [], []
    for grid in grids:
        countries = sorted({c for c, _ in grid.cells if not _is_total(c)}, key=list(grid.pages).index)
        totals = [c for c in grid.pages if _is_total(c)]
        if not totals:
            raise LayoutError(name, f"{grid.source_table} has no Total of each year (a Total row "
                                    f"under years as columns, a Total column beside years as rows)")
        total = totals[0]
        years = sorted({y for _, y in grid.cells if y})
        for year in years:
            records.append(_annual_record(year, "total", "total", total, grid.cells.get((total, year)), grid))
            for label in countries:
                if (label, year) in grid.cells:
                    code = OTHER_COUNTRIES if normalise(label) in OTHERS else country_code(label)
                    records.append(_annual_record(year, "country", code, label, grid.cells[(label, year)], grid))
            checks.append((grid.source_table, "rows_sum", total, year, grid.cells.get((total, year)) or 0,
                           sum(grid.cells.get((c, year)) or 0 for c in countries)))
        for label in [total, *countries]:
            if (label, 0) in grid.cells:
                checks.append((grid.source_table, "total_column", label, 0, grid.cells[(label, 0)] or 0,
                               sum(grid.cells.get((label, y)) or 0 for y in years)))
    rows = annual_frame(records)
    doubled = rows[rows.duplicated(list(ANNUAL_KEY))]
    if len(doubled):
        first = doubled.iloc[0]
        raise LayoutError(name, f"{first.category} in {first.year} is printed twice ({first.label!r})")
    reconciliation = pd.DataFrame(checks, columns=list(ANNUAL_RECONCILIATION_COLUMNS)).astype(
        ANNUAL_RECONCILIATION_COLUMNS)
    return rows, reconciliation


def _annual_record(year: int, breakdown: str, code: str, label: str, value: int | None, grid: _Grid) -> dict:
    # A final historical figure: `-` is 0, and the year is complete.
    from datetime import date

    return {"year": year, "breakdown": breakdown, "category": code, "label": label,
            "persons": value or 0, "note": marker_note(label), "preliminary": False,
            "as_of": date(year, 12, 31), "source_table": grid.source_table,
            "source_page": grid.pages[label]}
