"""Ranking a figures table's versions: which version of each chain is on top, and which kind is current each year.

Each source kind (contract.SOURCE_KINDS: SNM, the re-publication) has its own chain of versions
of each (year, breakdown) slice. A chain's versions are ranked in one place, `RANKING`: by
as_of, then final over preliminary, then the PDF's own modification date, then when the ledger
first saw it, then sha256 (so that a tie still has one answer); fetch or load order never decides.
A year's current rows come from the first kind in `SOURCE_KINDS` that gives the year any slice
(`PRECEDENCE`): while SNM's versions hold rows for a year, every breakdown of the year is SNM's,
even one SNM's file lacks.

A publish ranks the chains listed in the temporary table `_touched` (every chain of the years
it touches) into `_ranks`, which the derivation (load/derive.py, load/append.py) reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from darien import contract
from load import schema
from load.bulk import insert_rows

SLICE = ("year", "breakdown")  # what a current row belongs to
CHAIN = (*SLICE, "source_kind")  # what versions are ranked within
VERSION = "source_sha256"
# A year's current rows come from the first kind here that gives the year a slice.
PRECEDENCE = "CASE {0}.source_kind " + " ".join(
    f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(contract.SOURCE_KINDS)) + " END"
# Oldest first: the last version of a slice is the one published.
RANKING = ("as_of", "preliminary DESC", "modified_at NULLS FIRST", "first_seen_at NULLS FIRST",
           VERSION)
TEMP_TABLES = ("_touched", "_ranks", "_refresh", "_history", "_continued", "_changes", "_fresh")


@dataclass(frozen=True)
class Figures:
    """A figures table derived from version rows: its versions' slices and rows, current and history tables, and its cell within a slice."""

    slices: sa.Table
    rows: sa.Table
    current: sa.Table
    history: sa.Table
    cell: tuple[str, ...]
    values: tuple[str, ...] = ("persons", "label", "note")  # a change in any one is a revision

    @property
    def key(self) -> tuple[str, ...]:
        """A version row's (and a history row's) cell within its chain."""
        return (*CHAIN, *self.cell)

    @property
    def current_key(self) -> tuple[str, ...]:
        """The current table's key: one row per cell, of whichever kind is current."""
        return (*SLICE, *self.cell)

    @property
    def row_lineage(self) -> tuple[str, ...]:
        """Columns a version's row carries beside its key and values (its table and page)."""
        taken = {VERSION, *self.key, *self.values}
        return tuple(c.name for c in self.rows.columns if c.name not in taken)


TRANSIT = Figures(schema.slices, schema.version_rows, schema.transit, schema.history, cell=("month", "category"))
ANNUAL = Figures(schema.annual_slices, schema.annual_version_rows, schema.transit_annual, schema.annual_history,
                 cell=("category",))


def join_on(a: str, b: str, columns) -> str:
    """SQL: `a` and `b` equal on `columns` (none of them nullable)."""
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in columns)


def _ranked(figures: Figures, within: str) -> str:
    """SQL: the versions of the chains in table `within`, with their rank in the chain (1 the oldest), the
    chain's count, and `chosen`: whether their kind is the one current for their year among `within`'s chains."""
    part = ", ".join(f"s.{c}" for c in CHAIN)
    order = ", ".join(f"s.{c}" for c in RANKING)
    precedence = PRECEDENCE.format("s")
    return (f"SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY {order}) AS version_rank,"
            f" COUNT(*) OVER (PARTITION BY {part}) AS versions,"
            f" {precedence} = MIN({precedence}) OVER (PARTITION BY s.year) AS chosen"
            f" FROM {figures.slices.name} s JOIN {within} t ON {join_on('s', 't', CHAIN)}")


def touch(conn: sa.Connection, figures: Figures, chains: list[tuple]) -> None:
    """Create `_touched`: the chains (year, breakdown, source_kind) a publish changes, and every other chain of their years.

    A year's current kind is chosen among all its chains, so all of them are ranked.
    """
    conn.exec_driver_sql("CREATE TEMP TABLE _touched (year INTEGER, breakdown VARCHAR, source_kind VARCHAR)")
    insert_rows(conn, "_touched", chains)
    years = sorted({int(year) for year, *_ in chains})
    if years:
        conn.exec_driver_sql(
            f"INSERT INTO _touched SELECT DISTINCT {', '.join('s.' + c for c in CHAIN)} FROM {figures.slices.name} s"
            f" WHERE s.year IN ({', '.join(map(str, years))})"
            f" AND NOT EXISTS (SELECT 1 FROM _touched t WHERE {join_on('s', 't', CHAIN)})")


@dataclass
class Tops:
    """The top version of each touched chain, and the version whose rows are current in each slice."""

    chains: dict[tuple, str]  # (year, breakdown, source_kind) -> sha256
    current: dict[tuple, str]  # (year, breakdown) -> sha256


def _tops(conn: sa.Connection, ranked: str) -> Tops:
    found = conn.exec_driver_sql(
        f"SELECT year, breakdown, source_kind, {VERSION}, chosen FROM {ranked} r"
        " WHERE version_rank = versions").all()
    return Tops({(year, breakdown, kind): sha for year, breakdown, kind, sha, _ in found},
                {(year, breakdown): sha for year, breakdown, _, sha, chosen in found if chosen})


def tops(conn: sa.Connection, figures: Figures) -> Tops:
    """The touched chains' tops and the touched slices' current versions, as the slices table stands now."""
    return _tops(conn, f"({_ranked(figures, '_touched')})")


def rank(conn: sa.Connection, figures: Figures) -> Tops:
    """Rank the touched chains' versions into `_ranks`; return their tops and the current versions."""
    conn.exec_driver_sql(f"CREATE TEMP TABLE _ranks AS {_ranked(figures, '_touched')}")
    return _tops(conn, "_ranks")


def touched_years(conn: sa.Connection, alias: str) -> str:
    """SQL: `alias`.year within the touched years, as literals: DuckDB then skips row groups by their zone maps."""
    low, high = conn.exec_driver_sql("SELECT MIN(year), MAX(year) FROM _touched").one()
    return "FALSE" if low is None else f"{alias}.year BETWEEN {int(low)} AND {int(high)}"


def drop_temp(conn: sa.Connection) -> None:
    """Drop the temporary tables a ranking and a derivation leave (publish calls it before and after)."""
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
