"""Deriving the current figures and their history from every version's rows, for the slices a publish touches.

A figures table's history has, per chain (load/ranking.py), a row wherever a cell's value
differs from the version ranked before it (or the cell appears), valid until the cell's next
change or its disappearance, and closed by that version. Its current rows are, for each year,
the top versions of the chains of the year's current kind.

Both are tables, refreshed for the chains ranked into `_ranks`, by difference only, in the
caller's transaction. This is the general path, right whatever the publish changed;
load/append.py is the fast path for a new version that tops every slice it publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from load.bulk import insert_rows
from load.ranking import CHAIN, SLICE, VERSION, Figures, join_on, touched_years

SET_BY_LOAD = ("load_id", "loaded_at")


def _same(table: sa.Table, a: str, b: str, columns) -> str:
    """SQL: `a` and `b` agree on `columns` (NULL equal to NULL where the column allows it)."""
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" if table.c[c].nullable
                        else f"{a}.{c} = {b}.{c}" for c in columns)


def differs(figures: Figures, a: str, b: str) -> str:
    """SQL: `a` and `b` differ in a value (a revision)."""
    return "(" + " OR ".join(f"{a}.{c} IS DISTINCT FROM {b}.{c}" for c in figures.values) + ")"


def _ranked_version_rows(figures: Figures, years: str = "TRUE") -> str:
    """SQL: every row of every ranked version, with the version's rank and its slice's count."""
    columns = ", ".join(f"v.{c}" for c in (*figures.key, *figures.values, *figures.row_lineage))
    return (f"SELECT {columns}, r.version_rank, r.versions FROM {figures.rows.name} v"
            f" JOIN _ranks r ON {join_on('v', 'r', (*CHAIN, VERSION))} WHERE {years}")


def current_select(figures: Figures, columns: list[str], within: str) -> str:
    """SQL: the current rows of the slices (year, breakdown) in `within`: the current kind's top version's cells with its lineage."""
    rows = {c.name for c in figures.rows.columns} - {VERSION}
    exprs = []
    for c in columns:
        if c == "loaded_at":
            exprs.append("CAST(:now AS TIMESTAMP WITH TIME ZONE) AS loaded_at")
        else:
            exprs.append(f"{'v' if c in rows else 'r'}.{c}")
    return (f"SELECT {', '.join(exprs)} FROM {figures.rows.name} v"
            f" JOIN _ranks r ON {join_on('v', 'r', (*CHAIN, VERSION))}"
            f" JOIN {within} t ON {join_on('r', 't', SLICE)} WHERE r.version_rank = r.versions AND r.chosen")


def history_select(figures: Figures, columns: list[str], years: str = "TRUE") -> str:
    """SQL: the history of the ranked slices, one row per change point of a cell.

    A cell's change points are the versions where its value differs from the version ranked
    just before (or it appears), and the versions where it disappears; a value lasts until
    the cell's next change point, whose version ends it. Window functions over each cell's
    versions find them in one pass (a self-join of the rows cost PostgreSQL a nested loop).
    """
    key, carried = figures.key, (*figures.values, *figures.row_lineage)
    cell = f"PARTITION BY {', '.join(key)} ORDER BY version_rank"
    before = ", ".join(f"LAG({c}) OVER ({cell}) AS before_{c}" for c in figures.values)
    changed = " OR ".join(f"before_{c} IS DISTINCT FROM {c}" for c in figures.values)
    around = (f"SELECT v.*, LAG(version_rank) OVER ({cell}) AS before_rank,"
              f" LEAD(version_rank) OVER ({cell}) AS after_rank, {before} FROM v")
    points = (
        f"SELECT {', '.join((*key, *carried))}, version_rank, TRUE AS present FROM around"
        f" WHERE before_rank IS NULL OR before_rank < version_rank - 1 OR {changed}"
        " UNION ALL"
        f" SELECT {', '.join(key)}, {', '.join('NULL' for _ in carried)}, version_rank + 1, FALSE"
        " FROM around WHERE version_rank < versions"
        "  AND (after_rank IS NULL OR after_rank > version_rank + 1)"
    )
    ends = f"SELECT x.*, LEAD(x.version_rank) OVER ({cell}) AS next_rank FROM points x"
    special = {"valid_from": "r.as_of", "valid_to": "e.as_of", "ended_by": f"e.{VERSION}"}
    exprs = [special.get(c) or (f"x.{c}" if c in (*key, *carried) else f"r.{c}") for c in columns]
    exprs = [f"{e} AS {c}" for e, c in zip(exprs, columns)]
    return (f"WITH v AS ({_ranked_version_rows(figures, years)}), around AS ({around}), points AS ({points}),"
            f" ends AS ({ends})"
            f" SELECT {', '.join(exprs)} FROM ends x"
            f" JOIN _ranks r ON {join_on('r', 'x', CHAIN)} AND r.version_rank = x.version_rank"
            f" LEFT JOIN _ranks e ON {join_on('e', 'x', CHAIN)} AND e.version_rank = x.next_rank"
            " WHERE x.present")


def derived_columns(table: sa.Table) -> list[str]:
    """The columns of a derived table other than the load that wrote a row."""
    return [c.name for c in table.columns if c.name not in SET_BY_LOAD]


@dataclass
class Counts:
    """How the current table changed over the refreshed slices: cells added, revised, dropped, kept."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def refresh_current(conn: sa.Connection, figures: Figures, slices: list[tuple], now: datetime) -> Counts:
    """Make the current rows of `slices` their top versions' cells; count the difference.

    `slices` (year, breakdown) are those whose current version changes, or is the publishing one
    before or after: in each, every row's lineage changes (another version, or the same under
    another pipeline version), so replacing the slice writes exactly the difference. Delete and insert
    measured faster than an UPDATE on both databases.
    """
    counts = Counts()
    if not slices:
        return counts
    conn.exec_driver_sql("CREATE TEMP TABLE _refresh (year INTEGER, breakdown VARCHAR)")
    insert_rows(conn, "_refresh", slices)
    desired = current_select(figures, list(figures.current_key) + list(figures.values), "_refresh")
    held = (f"SELECT {', '.join('c.' + c for c in (*figures.current_key, *figures.values))} FROM {figures.current.name} c"
            f" JOIN _refresh t ON {join_on('c', 't', SLICE)}")
    if conn.exec_driver_sql(f"{held} LIMIT 1").first() is None:
        counts.inserted = conn.execute(sa.text(f"SELECT COUNT(*) FROM ({desired}) d"),
                                       {"now": now}).scalar()
    else:
        both = f"c.year IS NOT NULL AND d.year IS NOT NULL"
        found = conn.execute(sa.text(
            "SELECT SUM(CASE WHEN c.year IS NULL THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {both} AND {differs(figures, 'c', 'd')} THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN d.year IS NULL THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {both} AND NOT {differs(figures, 'c', 'd')} THEN 1 ELSE 0 END)"
            f" FROM ({held}) c FULL JOIN ({desired}) d ON {join_on('c', 'd', figures.current_key)}"), {"now": now}).one()
        counts = Counts(*(int(n or 0) for n in found))
        conn.exec_driver_sql(
            f"DELETE FROM {figures.current.name} WHERE EXISTS (SELECT 1 FROM _refresh t"
            f" WHERE {join_on(figures.current.name, 't', SLICE)})")
    columns = [c.name for c in figures.current.columns]
    conn.execute(sa.text(f"INSERT INTO {figures.current.name} ({', '.join(columns)})"
                         f" {current_select(figures, columns, '_refresh')}"), {"now": now})
    return counts


def refresh_history(conn: sa.Connection, figures: Figures, load_id: str, now: datetime) -> None:
    """Make the touched slices' history what their ranked versions derive, writing only the difference.

    A stored row that says what it should stays; one whose only change is its end (a version
    slotted in after it) is closed in place and keeps the load that wrote it.
    """
    columns = derived_columns(figures.history)
    name = figures.history.name
    conn.exec_driver_sql(f"CREATE TEMP TABLE _history AS"
                         f" {history_select(figures, columns, touched_years(conn, 'v'))}")
    years = touched_years(conn, name)
    same = _same(figures.history, "d", name, [c for c in columns
                                         if c not in ("valid_from", "valid_to", "ended_by")])
    conn.exec_driver_sql(
        f"UPDATE {name} SET valid_to = d.valid_to, ended_by = d.ended_by FROM _history d"
        f" WHERE {years} AND {same} AND {name}.ended_by IS DISTINCT FROM d.ended_by")
    conn.exec_driver_sql(
        f"DELETE FROM {name} WHERE {years}"
        f" AND EXISTS (SELECT 1 FROM _touched t WHERE {join_on(name, 't', CHAIN)})"
        f" AND NOT EXISTS (SELECT 1 FROM _history d WHERE {same})")
    conn.execute(sa.text(
        f"INSERT INTO {name} ({', '.join(columns)}, load_id, loaded_at)"
        f" SELECT {', '.join('d.' + c for c in columns)}, :load_id,"
        " CAST(:now AS TIMESTAMP WITH TIME ZONE) FROM _history d"
        f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {years} AND {same})"),
        {"load_id": load_id, "now": now})
