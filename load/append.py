"""The fast path of a publish: a new version ranked last in every slice it publishes changes only their ends."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from load.bulk import bulk_insert, insert_rows
from load.derive import SET_BY_LOAD, Counts, derived_columns, differs
from load.ranking import SLICE, VERSION, Figures, join_on, touched_years

DOCUMENT_LINEAGE = ("source_url", VERSION, "pipeline_version", "source_kind")  # one value for all a document's rows


def append_top(conn: sa.Connection, figures: Figures, frame, sha256: str, previous: dict[tuple, str | None],
               load_id: str, now: datetime) -> Counts:
    """Refresh both tables for a new version that tops every slice it publishes (`previous`: each slice's former top).

    Ranked last, the version changes only the end of each slice's history: a history row for
    each cell it adds or revises, and the end of the open row of each cell it revises or drops.
    Nothing before it is derived again. In a slice no version held before, its rows (`frame`,
    the batch's columns) are written by the bulk paths. In a slice it takes over, the cells it
    adds, revises, drops or moves (another table or page) are found by comparing its rows with
    the former top's; only those current rows are deleted and inserted, the others get the new
    lineage in place (on PostgreSQL a HOT update: darien_transit keeps free room in its pages),
    and a republish of the same figures writes no history at all.
    """
    import pandas as pd  # only where a batch is published: a quiet nightly run publishes none

    counts = Counts()
    # The document's own lineage, one value for all its rows (publish checks it), goes as constants.
    by_load = {"load_id": load_id, "loaded_at": now, **{c: frame[c].iloc[0] for c in DOCUMENT_LINEAGE}}
    fresh = [s for s, top in previous.items() if top is None]
    continued = [(s, top) for s, top in previous.items() if top is not None]
    if continued:
        _append_continued(conn, figures, sha256, continued, by_load, counts)
    if fresh:  # slices no version held before: every cell is new, and starts a history row
        if len(fresh) == len(previous):
            rows = frame
        else:
            index = pd.MultiIndex.from_frame(frame[list(SLICE)])
            rows = frame[index.isin(pd.MultiIndex.from_tuples(fresh, names=list(SLICE)))]
        counts.inserted += len(rows)
        conn.exec_driver_sql("CREATE TEMP TABLE _fresh (year INTEGER, breakdown VARCHAR)")
        insert_rows(conn, "_fresh", fresh)
        name = figures.current.name
        conn.exec_driver_sql(f"DELETE FROM {name} WHERE {touched_years(conn, name)} AND EXISTS"
                             f" (SELECT 1 FROM _fresh t WHERE {join_on(name, 't', SLICE)})")
        bulk_insert(conn, figures.current, rows, [c.name for c in figures.current.columns if c.name not in by_load],
                    by_load)
        history = [c for c in derived_columns(figures.history) if c not in ("valid_from", "valid_to", "ended_by")]
        if conn.dialect.name == "duckdb":
            bulk_insert(conn, figures.history, rows,
                        {**{c: c for c in history if c not in by_load}, "valid_from": "as_of"}, by_load)
        else:
            # PostgreSQL copies the current rows just written, server-side: 3x faster than a
            # second COPY, which parses every value again.
            kept = [*history, *SET_BY_LOAD]
            conn.exec_driver_sql(
                f"INSERT INTO {figures.history.name} ({', '.join(kept)}, valid_from)"
                f" SELECT {', '.join(f'{name}.{c}' for c in kept)}, {name}.as_of FROM {name}"
                f" JOIN _fresh t ON {join_on(name, 't', SLICE)} WHERE {touched_years(conn, name)}")
    counts.unchanged = len(frame) - counts.inserted - counts.updated
    return counts


def _append_continued(conn: sa.Connection, figures: Figures, sha256: str, continued: list, by_load: dict,
                      counts: Counts) -> None:
    """Refresh the slices a new top version takes over from `continued`'s former tops, by the cells that differ."""
    conn.exec_driver_sql("CREATE TEMP TABLE _continued (year INTEGER, breakdown VARCHAR,"
                         f" previous VARCHAR, {VERSION} VARCHAR, as_of DATE, preliminary BOOLEAN)")
    own_slices = {(y, b): (a, p) for y, b, a, p in conn.execute(sa.text(
        f"SELECT year, breakdown, as_of, preliminary FROM _ranks WHERE {VERSION} = :sha"), {"sha": sha256})}
    insert_rows(conn, "_continued", [(int(year), str(breakdown), top, sha256, *own_slices[(year, breakdown)])
                                     for (year, breakdown), top in continued])
    years = touched_years(conn, "v")
    carried = (*figures.values, *figures.row_lineage)
    versions = ", ".join(f"'{s}'" for s in sorted({sha256, *(top for _, top in continued)}))

    def side(version: str) -> str:  # only the columns compared or carried: smaller hash tables
        return (f"SELECT {', '.join('v.' + c for c in (*figures.key, *carried))} FROM {figures.rows.name} v"
                f" JOIN _continued t ON {join_on('v', 't', SLICE)} AND v.{VERSION} = t.{version}"
                f" WHERE {years} AND v.{VERSION} IN ({versions})")

    # A cell differs if it is added, dropped, revised (a value differs: a history change point)
    # or only moved (another table or page: its current row changes, its history does not).
    key = ", ".join(f"COALESCE(n.{c}, o.{c}) AS {c}" for c in figures.key)
    moved = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in figures.row_lineage) or "FALSE"
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE _changes AS SELECT {key}, {', '.join('n.' + c for c in carried)},"
        f" n.{figures.key[0]} IS NOT NULL AS present, o.{figures.key[0]} IS NOT NULL AS held,"
        f" n.{figures.key[0]} IS NOT NULL AND o.{figures.key[0]} IS NOT NULL AND {differs(figures, 'n', 'o')} AS revised"
        f" FROM ({side(VERSION)}) n FULL JOIN ({side('previous')}) o ON {join_on('n', 'o', figures.key)}"
        f" WHERE n.{figures.key[0]} IS NULL OR o.{figures.key[0]} IS NULL OR {differs(figures, 'n', 'o')} OR {moved}")
    added, revised, dropped, changed = (int(n or 0) for n in conn.exec_driver_sql(
        "SELECT SUM(CASE WHEN present AND NOT held THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN revised THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN held AND NOT present THEN 1 ELSE 0 END), COUNT(*) FROM _changes").one())
    counts.inserted += added
    counts.updated += revised
    counts.deleted += dropped
    load = {"load_id": by_load["load_id"], "now": by_load["loaded_at"]}

    current = figures.current.name
    if changed:
        conn.exec_driver_sql(
            f"DELETE FROM {current} WHERE {touched_years(conn, current)} AND EXISTS (SELECT 1 FROM _changes c"
            f" WHERE c.held AND {join_on(current, 'c', figures.current_key)})")
    # Every other current row of the slice keeps its cell, values, table and page: new lineage only.
    lineage = {c: f":{c}" for c in DOCUMENT_LINEAGE} | {"as_of": "t.as_of", "preliminary": "t.preliminary",
                                                         "load_id": ":load_id",
                                                         "loaded_at": "CAST(:now AS TIMESTAMP WITH TIME ZONE)"}
    document = {c: by_load[c] for c in DOCUMENT_LINEAGE}
    conn.execute(sa.text(
        f"UPDATE {current} SET {', '.join(f'{c} = {e}' for c, e in lineage.items())} FROM _continued t"
        f" WHERE {touched_years(conn, current)} AND {join_on(current, 't', SLICE)}"), {**document, **load})
    if added or changed - dropped:
        columns = [c.name for c in figures.current.columns]
        select = [lineage[c].replace("t.", "r.") if c in lineage else f"c.{c}" for c in columns]
        conn.execute(sa.text(
            f"INSERT INTO {current} ({', '.join(columns)}) SELECT {', '.join(select)}"
            f" FROM _changes c JOIN _ranks r ON {join_on('c', 'r', SLICE)} AND r.{VERSION} = :sha"
            " WHERE c.present"), {**document, **load, "sha": sha256})

    history = figures.history.name
    if revised or dropped:  # close the open rows of the cells revised or dropped
        conn.exec_driver_sql(
            f"UPDATE {history} SET valid_to = t.as_of, ended_by = t.{VERSION}"
            f" FROM _changes c JOIN _continued t ON {join_on('c', 't', SLICE)}"
            f" WHERE {touched_years(conn, history)} AND (c.revised OR NOT c.present)"
            f" AND {history}.ended_by IS NULL AND {join_on(history, 'c', figures.key)}")
    if added or revised:
        columns = derived_columns(figures.history)
        exprs = {"valid_from": "r.as_of", "valid_to": "NULL", "ended_by": "NULL"}
        select = [exprs.get(c) or (f"c.{c}" if c in (*figures.key, *carried) else f"r.{c}") for c in columns]
        conn.execute(sa.text(
            f"INSERT INTO {history} ({', '.join(columns)}, load_id, loaded_at)"
            f" SELECT {', '.join(select)}, :load_id, CAST(:now AS TIMESTAMP WITH TIME ZONE)"
            f" FROM _changes c JOIN _ranks r ON {join_on('c', 'r', SLICE)} AND r.{VERSION} = :sha"
            " WHERE c.revised OR NOT c.held"), {**load, "sha": sha256})
