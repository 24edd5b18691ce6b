"""The warehouse's state for the people running it: recent loads, freshness, quarantine.

Plain rows rendered with tabulate, not DataFrames: every run, a quiet night included, shows
this status, and importing pandas for it cost more than the rest of a quiet night's checks.
The markdown fits the Prefect UI (report.markdown): documents by name and a short hash in the
tables, their URLs, errors and reasons in lists below, one line each.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from darien import contract
from darien.contract import UnknownTable, published_name, shown_url, without_name
from operations.unknown_tables import kept_paths
from report import sources
from report.markdown import CELL, ROW, elided, too_wide
from report.markdown import table as markdown_table

URL_COLUMNS = ("source_url", "url")  # shown as published; the ledger keeps the URLs as fetched
# Per year and figures table: whose publication (source_kind) and which document the current figures are.
FIGURES_BY_YEAR = " union all ".join(f"""
    select year, '{figures}' as figures, source_kind, as_of, preliminary, source_url,
           substr(source_sha256, 1, 12) as sha256, max(loaded_at) as loaded_at
    from {table} where breakdown = 'total'
    group by year, source_kind, as_of, preliminary, source_url, source_sha256""" for figures, table in (
    ("monthly", contract.TABLE), ("annual", contract.ANNUAL_TABLE))) + " order by year, figures, source_url"

SHORT_SHA = 6  # hex digits of a document's sha256 in a table; the list of documents gives 12
NAME_MIN = 20  # characters of a document's name in a table, at the least: cut in the middle to fit a row
HEADERS = {"source_url": "document", "url": "document", "source_kind": "source", "preliminary": "prelim.",
           "finished_at": "finished (UTC)", "last_checked_at": "checked (UTC)", "pruned_at": "pruned (UTC)",
           "inserted": "ins", "updated": "upd", "deleted": "del", "unchanged": "same",
           "unknown_tables": "tables"}
COUNTS = ("inserted", "updated", "deleted", "unchanged", "unknown_tables")  # shown with thousands separators
LISTED = ("error", "reason")  # too long for a cell: a list below the table, one line each
BESIDE = ("loaded_at",)  # a document's, not a row's: shown in the list of documents


@dataclass
class Table:
    """A query's column names and rows."""

    columns: list[str]
    rows: list[tuple]

    @property
    def empty(self) -> bool:
        return not self.rows

    def markdown(self) -> str:
        """The rows as a markdown table that fits the UI, and their errors or reasons listed below it.

        A document's name is cut in the middle only as far as the row needs (the list of
        documents below the status gives it whole)."""
        shown = [i for i, c in enumerate(self.columns) if c not in LISTED and c not in BESIDE]
        headers = [HEADERS.get(self.columns[i], self.columns[i]) for i in shown]
        align = ["right" if self.columns[i] in COUNTS or self.columns[i] == "year" else "left" for i in shown]
        width = CELL
        while True:
            rows = [[_cell(self.columns[i], row[i], width) for i in shown] for row in self.rows]
            text = markdown_table(headers, rows, align)
            over = max(len(line) for line in text.splitlines()) - ROW
            if over <= 0 or width <= NAME_MIN or not any(self.columns[i] in URL_COLUMNS for i in shown):
                break
            width = max(NAME_MIN, width - over)
        notes = [f"- {_named(self.columns, row)}: {_without_name(self.columns, row, _blank(row[i]))}"
                 for row in self.rows for i, c in enumerate(self.columns) if c in LISTED and _blank(row[i])]
        return "\n\n".join([text, "\n".join(notes)]) if notes else text

    def documents(self) -> dict[tuple[str, str], str]:
        """Each (URL, sha256) the rows name, with the newest time its figures were loaded ('' if not given)."""
        url = next((i for i, c in enumerate(self.columns) if c in URL_COLUMNS), None)
        if url is None or "sha256" not in self.columns:
            return {}
        sha = self.columns.index("sha256")
        loaded = self.columns.index("loaded_at") if "loaded_at" in self.columns else None
        found: dict[tuple[str, str], str] = {}
        for row in self.rows:
            when = _cell("loaded_at", row[loaded]) if loaded is not None else ""
            found[(row[url], row[sha])] = max(found.get((row[url], row[sha]), ""), when)
        return found


def _blank(value) -> str:
    """A value as one line of text; a gap (None, nan) as ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def _cell(column: str, value, width: int = CELL) -> str:
    """A value as its table cell: a document by its name, a sha256 short, times to the minute in UTC."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if column in URL_COLUMNS:
        return elided(published_name(value) or value, width)
    if column == "sha256":
        return value[:SHORT_SHA]
    if column == "source_kind":
        return sources.SHORT.get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if column in COUNTS and isinstance(value, int) else str(value)


def _url(columns: list[str], row: tuple) -> str | None:
    """The row's document URL, if a column holds one."""
    return next((row[i] for i, c in enumerate(columns) if c in URL_COLUMNS), None)


def _without_name(columns: list[str], row: tuple, text: str) -> str:
    """An error or reason without the file name it starts with, said once before it (`_named`)."""
    url = _url(columns, row)
    return without_name(text, url) if url else text


def _named(columns: list[str], row: tuple) -> str:
    """The document a row is about, for a line below its table: `name` (sha256), else its first cell."""
    url = _url(columns, row)
    if url is None:
        return _blank(row[0])
    sha = row[columns.index("sha256")] if "sha256" in columns else ""
    return f"`{published_name(url) or url}`" + (f" ({sha})" if sha else "")


@dataclass
class Status:
    loads: Table  # the last loads, newest first
    as_of: Table  # per year and figures table: the source kind, as_of, status and document of the published figures
    quarantined: Table  # every document version still in quarantine or failed
    skipped: Table = field(default_factory=lambda: Table([], []))  # files that are no Darién document
    raw_files: Table = field(default_factory=lambda: Table([], []))  # versions without a raw file: pruned or missing
    unknown_tables: Table = field(default_factory=lambda: Table([], []))  # per current document: how many tables the parser does not know
    unknown_list: list[str] = field(default_factory=list)  # each such table's title and where its rows are kept
    mixed_years: Table = field(default_factory=lambda: Table([], []))  # years whose breakdowns differ in as_of

    def markdown(self) -> str:
        """The tables as markdown, for the terminal and for Prefect artifacts, and the documents they name."""
        parts = []
        tables = (("Figures published, by year and source", self.as_of),
                  ("Last loads", self.loads),
                  ("Quarantined or failed documents", self.quarantined),
                  ("Skipped files (no Darién transit document)", self.skipped),
                  ("Raw files not in the landing zone (`darien verify` also finds damaged ones)", self.raw_files))
        for title, table in tables:
            body = table.markdown() if not table.empty else "(none)"
            if table is self.loads and not table.empty:
                body += "\n\nRows inserted, updated, deleted and unchanged (ins, upd, del, same)."
            parts.append(f"### {title}\n\n{body}")
        body = self.unknown_tables.markdown() if not self.unknown_tables.empty else "(none)"
        if self.unknown_list:
            body += "\n\n" + "\n".join(f"- {line}" for line in self.unknown_list)
        parts.append(f"### Tables the parser does not know, in current documents\n\n{body}")
        body = self.mixed_years.markdown() if not self.mixed_years.empty else "(none)"
        parts.append(f"### Years whose breakdowns come from versions of different dates\n\n{body}")
        named: dict[tuple[str, str], str] = {}
        for t in (*(t for _, t in tables), self.unknown_tables, self.mixed_years):
            for key, loaded in t.documents().items():
                named[key] = max(named.get(key, ""), loaded)
        if named:
            parts.append("### Documents named above\n\n" + "\n".join(
                f"- `{published_name(url) or url}` {sha}" + (f", figures loaded {loaded} UTC" if loaded else "")
                + f": {url}" for (url, sha), loaded in named.items()))
        return "\n\n".join(parts)


MONTHS = ("Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic")


def unknown_table_markdown(table: UnknownTable) -> str:
    """A table the parser does not know as narrow markdown: label, Total and the months it prints a figure in
    (`-` an empty cell), the months split over two or more tables when one would be too wide for the UI;
    its text lines when it has no rows. For the run's documents artifact."""
    if not table.rows:
        return "\n".join(f"    {line}" for line in table.lines)
    months = [m for m in range(12) if any(row[2 + m] is not None for row in table.rows)]
    for size in (12, 6, 4, 3, 2, 1):
        chunks = [months[i:i + size] for i in range(0, len(months), size)] or [[]]
        parts = [_months_table(table, chunk, total=i == 0) for i, chunk in enumerate(chunks)]
        if not any(too_wide(part) for part in parts):
            break
    return "\n\n".join(parts)


def _months_table(table: UnknownTable, months: list[int], total: bool) -> str:
    """The rows' label, Total (if `total`) and `months` (0-based) as a markdown table."""
    rows = [[row[0], *(["-" if row[1] is None else row[1]] if total else []),
             *("-" if row[2 + m] is None else row[2 + m] for m in months)] for row in table.rows]
    headers = ["label", *(["Total"] if total else []), *(MONTHS[m] for m in months)]
    return markdown_table(headers, rows, ["left", *["right"] * (len(headers) - 1)])


def _shown(column: list) -> list:
    """A column's values as pandas' read_sql gave them: times in UTC, a gap among numbers or text as nan."""
    if any(isinstance(v, datetime) and v.tzinfo is not None for v in column):
        column = [v.astimezone(timezone.utc) if isinstance(v, datetime) else v for v in column]
    present = [v for v in column if v is not None]
    if not present or len(present) == len(column):
        return column
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return [math.nan if v is None else float(v) for v in column]
    if all(isinstance(v, str) for v in present):
        return [math.nan if v is None else v for v in column]
    return column


def _table(conn: sa.Connection, sql: str) -> Table:
    result = conn.execute(sa.text(sql))
    columns = list(result.keys())
    rows = result.all()
    shown = [_shown([row[i] for row in rows]) for i in range(len(columns))]
    shown = [[shown_url(v) if isinstance(v, str) else v for v in column] if name in URL_COLUMNS else column
             for name, column in zip(columns, shown)]
    return Table(columns, list(zip(*shown)) if rows else [])


# The document versions whose figures are current, monthly or annual.
CURRENT_VERSIONS = " union ".join(
    f"select distinct source_url, source_sha256 from {table}" for table in (contract.TABLE, contract.ANNUAL_TABLE))
# Per year whose breakdowns differ in as_of: each breakdown's as_of and document.
MIXED_YEARS = f"""
    select year, breakdown, as_of, source_url, substr(source_sha256, 1, 12) as sha256
    from {contract.TABLE}
    where year in (select year from {contract.TABLE} group by year having count(distinct as_of) > 1)
    group by year, breakdown, as_of, source_url, source_sha256
    order by year, breakdown"""


def _unknown_tables(conn: sa.Connection, data_dir: Path | None) -> tuple[Table, list[str]]:
    """The unknown tables of the current document versions: a count per document, and each title with its file."""
    found = conn.execute(sa.text(f"""
        select d.url, d.sha256, d.unknown_tables from etl_documents d
        join ({CURRENT_VERSIONS}) c on c.source_url = d.url and c.source_sha256 = d.sha256
        where d.unknown_tables is not null and d.unknown_tables <> '[]'
        order by d.url, d.sha256""")).all()
    counts, listed = [], []
    for url, sha256, recorded in found:
        titles = json.loads(recorded)
        if not titles:
            continue
        counts.append((shown_url(url), sha256[:12], len(titles)))
        base = data_dir if data_dir is not None else Path()
        for title, path in zip(titles, kept_paths(base, sha256, titles, [True] * len(titles))):
            if data_dir is not None and not path.exists() and path.with_suffix(".txt").exists():
                path = path.with_suffix(".txt")
            listed.append(f"{published_name(url)} ({sha256[:12]}): {title}: {path}")
    return Table(["url", "sha256", "unknown_tables"], counts), listed


def status(engine: sa.Engine, last: int = 10, present: Collection[str] | None = None,
           data_dir: Path | None = None) -> Status:
    """Recent loads, the newest as_of per year, the documents waiting in quarantine, the files skipped.

    With `present` (the sha256s the landing zone holds), versions whose raw file is missing are
    listed beside those retention pruned on purpose; `darien verify` also re-hashes the files.
    Unknown tables are listed with their files under `data_dir` (paths relative to it without).
    """
    with engine.connect() as conn:
        raw_files = _table(conn, """
            select 'pruned' as state, url, substr(sha256, 1, 12) as sha256, pruned_at
            from etl_documents where pruned_at is not null order by pruned_at desc""")
        if present is not None:
            missing = conn.execute(sa.text("""
                select url, sha256 from etl_documents
                where sha256 <> '' and status <> 'skipped' and pruned_at is null
                order by first_seen_at""")).all()
            raw_files.rows += [("missing", shown_url(url), sha[:12], None) for url, sha in missing if sha not in present]
        counts, listed = _unknown_tables(conn, data_dir)
        return Status(
            loads=_table(conn, f"""
                select finished_at, source_url, substr(source_sha256, 1, 12) as sha256,
                       inserted, updated, deleted, unchanged
                from etl_loads order by finished_at desc limit {int(last)}"""),
            as_of=_table(conn, FIGURES_BY_YEAR),
            quarantined=_table(conn, """
                select status, year, url, substr(sha256, 1, 12) as sha256, error
                from etl_documents where status in ('quarantined', 'failed')
                order by last_checked_at desc"""),
            skipped=_table(conn, """
                select url, substr(sha256, 1, 12) as sha256, last_checked_at, error as reason
                from etl_documents where status = 'skipped' order by last_checked_at desc"""),
            raw_files=raw_files,
            unknown_tables=counts,
            unknown_list=listed,
            mixed_years=_table(conn, MIXED_YEARS),
        )
