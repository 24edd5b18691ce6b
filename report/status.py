"""The warehouse's state for the people running it: recent loads, freshness, quarantine.

Plain rows rendered with tabulate, not DataFrames: every run, a quiet night included, shows
this status, and importing pandas for it cost more than the rest of a quiet night's checks.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from darien import contract
from darien.contract import shown_url

URL_COLUMNS = ("source_url", "url")  # shown as published; the ledger keeps the URLs as fetched
# Per year and figures table: whose publication (source_kind) and which document the current figures are.
FIGURES_BY_YEAR = " union all ".join(f"""
    select year, '{figures}' as figures, source_kind, as_of, preliminary, source_url,
           substr(source_sha256, 1, 12) as sha256, max(loaded_at) as loaded_at
    from {table} where breakdown = 'total'
    group by year, source_kind, as_of, preliminary, source_url, source_sha256""" for figures, table in (
    ("monthly", contract.TABLE), ("annual", contract.ANNUAL_TABLE))) + " order by year, figures, source_url"


@dataclass
class Table:
    """A query's column names and rows."""

    columns: list[str]
    rows: list[tuple]

    @property
    def empty(self) -> bool:
        return not self.rows

    def markdown(self) -> str:
        """The rows as a markdown table, as pandas' `to_markdown(index=False)` wrote them before."""
        from tabulate import tabulate

        return tabulate(self.rows, headers=self.columns, tablefmt="pipe", showindex=False)


@dataclass
class Status:
    loads: Table  # the last loads, newest first
    as_of: Table  # per year and figures table: the source kind, as_of, status and document of the published figures
    quarantined: Table  # every document version still in quarantine or failed
    skipped: Table = field(default_factory=lambda: Table([], []))  # files that are no Darién document
    raw_files: Table = field(default_factory=lambda: Table([], []))  # versions without a raw file: pruned or missing

    def markdown(self) -> str:
        """The tables as markdown, for the terminal and for Prefect artifacts."""
        parts = []
        for title, table in (("Figures published, by year and source", self.as_of),
                             ("Last loads", self.loads),
                             ("Quarantined or failed documents", self.quarantined),
                             ("Skipped files (no Darién transit document)", self.skipped),
                             ("Raw files not in the landing zone (`darien verify` also finds damaged ones)",
                              self.raw_files)):
            body = table.markdown() if not table.empty else "(none)"
            parts.append(f"### {title}\n\n{body}")
        return "\n\n".join(parts)


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


def status(engine: sa.Engine, last: int = 10, present: Collection[str] | None = None) -> Status:
    """Recent loads, the newest as_of per year, the documents waiting in quarantine, the files skipped.

    With `present` (the sha256s the landing zone holds), versions whose raw file is missing are
    listed beside those retention pruned on purpose; `darien verify` also re-hashes the files.
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
        )
