"""Publishing one validated document: stage its rows, then publish each (year, breakdown) slice.

The newest document of a slice wins, ranked by as_of, then final over preliminary, then the
PDF's own modification date, then when the ledger first saw it (then sha256, so that a tie
still has one answer); fetch or load order never decides. Everything happens in one
transaction with set-based SQL over a staging table, so a crash leaves the warehouse as it was.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from darien import contract
from load import ledger
from load.schema import loads
from load.warehouse import WarehouseError

if TYPE_CHECKING:  # imported where a batch is published: a quiet nightly run publishes none
    import pandas as pd

# Columns that vary from row to row; the rest of the lineage is the document's own.
STAGED = {
    "year": "INTEGER", "month": "INTEGER", "breakdown": "VARCHAR", "category": "VARCHAR",
    "label": "VARCHAR", "persons": "BIGINT", "note": "VARCHAR", "source_table": "VARCHAR",
    "source_page": "INTEGER",
}
PER_DOCUMENT = ("preliminary", "as_of", "source_url", "source_sha256", "pipeline_version")
TEMP_TABLES = ("_stage", "_slices", "_old", "_ranks_old", "_ranks", "_won", "_changes", "_full", "_points",
               "_desired", "_lost_current")
CELL = ("year", "month", "breakdown", "category")
HISTORY_COLUMNS = (
    "year, month, breakdown, category, persons, label, note, preliminary, as_of, valid_from, "
    "valid_to, ended_by, source_url, source_sha256, source_table, source_page, "
    "pipeline_version, load_id, loaded_at"
)
TRANSIT_COLUMNS = ", ".join(contract.COLUMNS)


@dataclass
class LoadStats:
    """What one publish did to the current table; `superseded` when the document won no slice.

    Publishing a document whose sha256 was last loaded by the same pipeline version is a no-op:
    nothing is written (no etl_loads row either), `noop` is True and `load_id` is that earlier
    load's. Under another pipeline version the document's earlier contribution is replaced.
    """

    load_id: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    superseded: bool = False
    noop: bool = False


def _on(alias_a: str, alias_b: str, columns=CELL) -> str:
    return " AND ".join(f"{alias_a}.{c} = {alias_b}.{c}" for c in columns)


def _differs(a: str, b: str) -> str:
    """SQL: the value of cell `a` differs from `b` (persons, label or footnote meaning)."""
    return (f"({a}.persons <> {b}.persons OR {a}.label <> {b}.label"
            f" OR {a}.note IS DISTINCT FROM {b}.note)")


def _document_rows(batch: contract.Batch) -> pd.DataFrame:
    """The batch's per-row columns, after checking its per-document columns agree with the batch."""
    import pandas as pd

    rows = batch.rows
    missing = [c for c in (*STAGED, *PER_DOCUMENT) if c not in rows.columns]
    if missing:
        raise WarehouseError(f"{batch.source_url}: batch lacks columns {', '.join(missing)}")
    expected = {"preliminary": batch.preliminary, "as_of": pd.Timestamp(batch.as_of),
                "source_url": batch.source_url, "source_sha256": batch.source_sha256}
    for column, value in expected.items():
        if len(rows) and not (rows[column] == value).all():
            raise WarehouseError(f"{batch.source_url}: rows' {column} differs from the document's {value}")
    if len(rows) and rows["pipeline_version"].nunique(dropna=False) != 1:
        raise WarehouseError(f"{batch.source_url}: rows carry several pipeline versions")
    required = [c for c in STAGED if c != "note"]
    nulls = [c for c in required if rows[c].isna().any()]
    if nulls:
        raise WarehouseError(f"{batch.source_url}: null values in {', '.join(nulls)}")
    return rows.loc[:, list(STAGED)]


def _pause_at(point: str) -> None:
    # Crash tests kill a real publishing process here: DARIEN_LOAD_PAUSE_AT=<point>:<marker file>.
    spec = os.environ.get("DARIEN_LOAD_PAUSE_AT", "")
    name, _, marker = spec.partition(":")
    if name == point:
        Path(marker).touch()
        # Paused until the test removes the marker (to let the publish go on) or kills us.
        deadline = time.monotonic() + 3600
        while Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _stage(conn: sa.Connection, frame: pd.DataFrame) -> None:
    """Bulk-load the rows into the temporary table `_stage`: DuckDB scans the frame, PostgreSQL COPYs it."""
    casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in STAGED.items())
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "duckdb":
        raw.register("_stage_frame", frame)
        try:
            conn.exec_driver_sql(f"CREATE TEMP TABLE _stage AS SELECT {casts} FROM _stage_frame")
        finally:
            raw.unregister("_stage_frame")
        return
    import pyarrow as pa
    import pyarrow.csv as pacsv

    columns = ", ".join(f"{c} {t}" for c, t in STAGED.items())
    conn.exec_driver_sql(f"CREATE TEMP TABLE _stage ({columns})")
    sink = pa.BufferOutputStream()
    # pyarrow 26 writes garbage for a column whose first chunk is empty: one chunk each.
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    # Quote every value so an empty label stays '' while a missing note (unquoted) is NULL.
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="all_valid"))
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY _stage ({', '.join(STAGED)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(memoryview(sink.getvalue()))
    conn.exec_driver_sql("ANALYZE _stage")


def _stage_slices(conn: sa.Connection, frame: pd.DataFrame) -> None:
    """The document's (year, breakdown) slices into `_slices`, found in the frame rather than by a pass over `_stage`."""
    conn.exec_driver_sql("CREATE TEMP TABLE _slices (year INTEGER, breakdown VARCHAR)")
    found = frame[["year", "breakdown"]].drop_duplicates()
    if len(found):
        values = ", ".join(f"(:y{i}, :b{i})" for i in range(len(found)))
        params = {}
        for i, (year, breakdown) in enumerate(found.itertuples(index=False)):
            params |= {f"y{i}": int(year), f"b{i}": str(breakdown)}
        conn.execute(sa.text(f"INSERT INTO _slices VALUES {values}"), params)


def _drop_temp(conn: sa.Connection) -> None:
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _check_unique(frame: pd.DataFrame, url: str) -> None:
    """Refuse a document that gives one cell twice: the contract's key holds in every slice it publishes."""
    twice = frame.duplicated(list(CELL))
    if twice.any():
        year, month, breakdown, category = frame.loc[twice.idxmax(), list(CELL)]
        raise WarehouseError(f"{url}: cell {year}-{month:02d} {breakdown}/{category} appears more than once")


def publish(engine: sa.Engine, batch: contract.Batch, *, flow_run_id: str | None = None,
            validation: dict | None = None, docs_url: str | None = None) -> LoadStats:
    """Publish one validated document in one transaction and mark it loaded in the ledger.

    A connection lost part-way (the server restarted, the backend terminated) raises
    WarehouseError: the transaction died with it, so nothing was applied and a retry is safe.
    """
    try:
        return _publish(engine, batch, flow_run_id, validation, docs_url)
    except sa.exc.DBAPIError as err:
        if not err.connection_invalidated:
            raise
        reason = " ".join(str(err.orig).split())[:200]
        raise WarehouseError(f"{batch.source_url}: the warehouse connection was lost while"
                             f" publishing, nothing was applied ({reason})") from None


def _publish(engine: sa.Engine, batch: contract.Batch, flow_run_id: str | None,
             validation: dict | None, docs_url: str | None) -> LoadStats:
    frame = _document_rows(batch)
    _check_unique(frame, batch.source_url)
    started = datetime.now(timezone.utc)
    load_id = uuid.uuid4().hex
    pipeline_version = (str(batch.rows["pipeline_version"].iloc[0]) if len(batch.rows)
                        else contract.PIPELINE_VERSION)
    with engine.begin() as conn:
        earlier = conn.execute(
            sa.select(loads.c.load_id, loads.c.pipeline_version)
            .where(loads.c.source_sha256 == batch.source_sha256)
            .order_by(loads.c.started_at.desc()).limit(1)
        ).first()
        if earlier is not None and earlier.pipeline_version == pipeline_version:
            _mark_loaded(conn, batch, pipeline_version, validation, docs_url, only_if_changed=True)
            return LoadStats(earlier.load_id, unchanged=len(frame), noop=True)
        replacing = earlier is not None
        _drop_temp(conn)
        if conn.dialect.name == "postgresql":
            # The joins and aggregates below run over every staged row: let them hash in memory.
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        _stage(conn, frame)
        _stage_slices(conn, frame)
        _pause_at("staged")
        params = {
            "sha": batch.source_sha256, "url": batch.source_url, "as_of": batch.as_of,
            "prelim": bool(batch.preliminary), "modified_at": batch.modified_at,
            "first_seen": batch.first_seen_at or ledger.first_seen(conn, batch.source_sha256) or started,
            "pv": pipeline_version, "load_id": load_id, "now": started,
        }
        won = _rank(conn, params, replacing)
        stats = LoadStats(load_id, superseded=won == 0 and len(frame) > 0)
        if replacing:
            # A fixed parser's rows for bytes already published: every slice the document
            # had or has is rebuilt, since its old values may carry later versions' history.
            _rebuild_history(conn, params, only_lost=False)
            if won:
                _publish_current(conn, params, stats)
            _restore_current(conn, params)
        else:
            if won:
                _publish_won(conn, params, stats)
            _rebuild_history(conn, params, only_lost=True)
        _pause_at("published")
        _drop_temp(conn)
        conn.execute(sa.insert(loads).values(
            load_id=load_id, flow_run_id=flow_run_id, source_url=batch.source_url,
            source_sha256=batch.source_sha256, pipeline_version=pipeline_version,
            started_at=started, finished_at=datetime.now(timezone.utc), inserted=stats.inserted,
            updated=stats.updated, deleted=stats.deleted, unchanged=stats.unchanged,
            superseded=stats.superseded,
        ))
        _mark_loaded(conn, batch, pipeline_version, validation, docs_url)
    return stats


def _mark_loaded(conn: sa.Connection, batch: contract.Batch, pipeline_version: str,
                 validation: dict | None, docs_url: str | None, only_if_changed: bool = False) -> None:
    if only_if_changed:
        row = conn.execute(sa.select(ledger.documents.c.status, ledger.documents.c.pipeline_version)
                           .where((ledger.documents.c.url == batch.source_url)
                                  & (ledger.documents.c.sha256 == batch.source_sha256))).first()
        if row is not None and tuple(row) == ("loaded", pipeline_version):
            return
    ledger.set_status(conn, batch.source_url, batch.source_sha256, "loaded",
                      pipeline_version=pipeline_version, validation=validation, docs_url=docs_url,
                      unknown_tables=batch.unknown_tables, year=batch.year, as_of=batch.as_of,
                      preliminary=batch.preliminary, modified_at=batch.modified_at)


_RANKED = (
    " SELECT v.year, v.breakdown, v.source_sha256, v.source_url, v.as_of, v.preliminary,"
    "  v.pipeline_version, v.load_id,"
    "  ROW_NUMBER() OVER (PARTITION BY v.year, v.breakdown ORDER BY v.as_of,"
    "   v.preliminary DESC, v.modified_at NULLS FIRST, v.first_seen_at NULLS FIRST,"
    "   v.source_sha256),"
    "  COUNT(*) OVER (PARTITION BY v.year, v.breakdown),"
    "  v.source_sha256 = :sha"
    " FROM etl_slices v"
    " JOIN (SELECT year, breakdown FROM _slices UNION SELECT year, breakdown FROM _old) d"
    "  ON d.year = v.year AND d.breakdown = v.breakdown"
)
_RANKS_TABLE = (
    " (year INTEGER, breakdown VARCHAR, source_sha256 VARCHAR, source_url VARCHAR, as_of DATE,"
    " preliminary BOOLEAN, pipeline_version VARCHAR, load_id VARCHAR, rnk BIGINT, n BIGINT,"
    " is_new BOOLEAN)"
)


def _rank(conn: sa.Connection, p: dict, replacing: bool) -> int:
    """Record the document's slices and rank every version of them; return how many slices it wins.

    When the document replaces its own earlier load, `_ranks_old` keeps the ranking its
    history rows were written under, and `_old` the slices it had then.
    """
    conn.exec_driver_sql("CREATE TEMP TABLE _old (year INTEGER, breakdown VARCHAR)")
    if replacing:
        conn.execute(sa.text("INSERT INTO _old SELECT year, breakdown FROM etl_slices"
                             " WHERE source_sha256 = :sha"), p)
        conn.exec_driver_sql(f"CREATE TEMP TABLE _ranks_old {_RANKS_TABLE}")
        conn.execute(sa.text(f"INSERT INTO _ranks_old {_RANKED}"), p)
        conn.execute(sa.text("DELETE FROM etl_slices WHERE source_sha256 = :sha"), p)
    conn.execute(sa.text(
        "INSERT INTO etl_slices (year, breakdown, source_sha256, source_url, as_of, preliminary,"
        " modified_at, first_seen_at, pipeline_version, load_id)"
        " SELECT year, breakdown, :sha, :url, :as_of, :prelim,"
        " CAST(:modified_at AS TIMESTAMP WITH TIME ZONE),"
        " CAST(:first_seen AS TIMESTAMP WITH TIME ZONE), :pv, :load_id FROM _slices"
    ), p)
    # rnk 1 is the oldest version of a slice, n the newest (the one published).
    conn.exec_driver_sql(f"CREATE TEMP TABLE _ranks {_RANKS_TABLE}")
    conn.execute(sa.text(f"INSERT INTO _ranks {_RANKED}"), p)
    if not replacing:
        # Other versions keep their order when a new one joins, so their rows' ranks hold.
        conn.exec_driver_sql("CREATE TEMP TABLE _ranks_old AS SELECT * FROM _ranks")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _won AS SELECT year, breakdown FROM _ranks WHERE is_new AND rnk = n"
    )
    return conn.exec_driver_sql("SELECT COUNT(*) FROM _won").scalar()


_IN_WON = "JOIN _won w ON w.year = {t}.year AND w.breakdown = {t}.breakdown"
_NEW_HISTORY = (
    f"INSERT INTO darien_transit_history ({HISTORY_COLUMNS})"
    " SELECT s.year, s.month, s.breakdown, s.category, s.persons, s.label, s.note,"
    "  :prelim, :as_of, :as_of, NULL, NULL, :url, :sha, s.source_table, s.source_page,"
    "  :pv, :load_id, :now FROM _stage s "
)
_NEW_CURRENT = (
    f"INSERT INTO {contract.TABLE} ({TRANSIT_COLUMNS})"
    " SELECT s.year, s.month, s.breakdown, s.category, s.label, s.persons, s.note,"
    "  :prelim, :as_of, :url, :sha, s.source_table, s.source_page, :pv, :load_id, :now"
    " FROM _stage s "
)


def _lost_any(conn: sa.Connection) -> bool:
    return bool(conn.exec_driver_sql("SELECT COUNT(*) FROM _ranks WHERE is_new AND rnk < n").scalar())


def _compare(conn: sa.Connection, stats: LoadStats) -> bool:
    """Fill `_changes` with the won slices' cells the document adds, changes or drops; count them.

    Returns False when the won slices hold no current rows at all (then every row is new).
    """
    staged = int(conn.exec_driver_sql(
        f"SELECT COUNT(*) FROM _stage s {_IN_WON.format(t='s')}").scalar()
        if _lost_any(conn) else conn.exec_driver_sql("SELECT COUNT(*) FROM _stage").scalar())
    if conn.exec_driver_sql(
            f"SELECT 1 FROM {contract.TABLE} c {_IN_WON.format(t='c')} LIMIT 1").first() is None:
        stats.inserted = staged
        return False
    cell = ", ".join(f"COALESCE(s.{c}, c.{c}) AS {c}" for c in CELL)
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE _changes AS SELECT {cell},"
        " CASE WHEN c.year IS NULL THEN 'new' WHEN s.year IS NULL THEN 'gone' ELSE 'changed' END"
        "  AS kind"
        f" FROM (SELECT s.* FROM _stage s {_IN_WON.format(t='s')}) s"
        f" FULL JOIN (SELECT c.* FROM {contract.TABLE} c {_IN_WON.format(t='c')}) c"
        f"  ON {_on('c', 's')}"
        f" WHERE s.year IS NULL OR c.year IS NULL OR {_differs('c', 's')}"
    )
    kinds = dict(conn.exec_driver_sql("SELECT kind, COUNT(*) FROM _changes GROUP BY kind").all())
    stats.inserted, stats.updated, stats.deleted = (
        int(kinds.get(k, 0)) for k in ("new", "changed", "gone"))
    stats.unchanged = staged - stats.inserted - stats.updated
    return True


def _publish_won(conn: sa.Connection, p: dict, stats: LoadStats) -> None:
    """Make the slices the document wins hold exactly its rows, and extend their history."""
    if not _compare(conn, stats):
        # Nothing published in these slices yet: no history to close, no rows to compare.
        conn.execute(sa.text(_NEW_HISTORY + _IN_WON.format(t="s")), p)
        conn.execute(sa.text(_NEW_CURRENT + _IN_WON.format(t="s")), p)
        return
    # The open history rows of a won slice are its current values: close those the document
    # changes or drops, then add a row for each value it brings.
    if stats.updated or stats.deleted:
        conn.execute(sa.text(
            "UPDATE darien_transit_history SET valid_to = :as_of, ended_by = :sha FROM _changes x"
            " WHERE darien_transit_history.ended_by IS NULL AND x.kind <> 'new'"
            f"  AND {_on('darien_transit_history', 'x')}"
        ), p)
    if stats.inserted or stats.updated:
        conn.execute(sa.text(_NEW_HISTORY + f"JOIN _changes x ON {_on('x', 's')} AND x.kind <> 'gone'"), p)
    _apply_current(conn, p, stats)


def _apply_current(conn: sa.Connection, p: dict, stats: LoadStats) -> None:
    """Make the won slices' current rows the staged ones: every row takes the winner's lineage.

    Deleting the slices and inserting the staged rows measured faster than an UPDATE ... FROM
    on both databases (PostgreSQL writes a new row version for an UPDATE anyway; DuckDB's
    current table has no key index to keep).
    """
    conn.exec_driver_sql(
        f"DELETE FROM {contract.TABLE} WHERE EXISTS (SELECT 1 FROM _won w"
        f" WHERE w.year = {contract.TABLE}.year AND w.breakdown = {contract.TABLE}.breakdown)")
    conn.execute(sa.text(_NEW_CURRENT + _IN_WON.format(t="s")), p)


def _publish_current(conn: sa.Connection, p: dict, stats: LoadStats) -> None:
    """Make the won slices' current rows the staged ones (history is rebuilt separately)."""
    if not _compare(conn, stats):
        conn.execute(sa.text(_NEW_CURRENT + _IN_WON.format(t="s")), p)
        return
    _apply_current(conn, p, stats)


def _restore_current(conn: sa.Connection, p: dict) -> None:
    """Give back to the next version a slice whose current rows came from the replaced document but that it no longer wins."""
    stale = (f"FROM {contract.TABLE} c WHERE c.source_sha256 = :sha AND NOT EXISTS"
             " (SELECT 1 FROM _won w WHERE w.year = c.year AND w.breakdown = c.breakdown)")
    if not conn.execute(sa.text(f"SELECT COUNT(*) {stale}"), p).scalar():
        return
    conn.execute(sa.text(
        f"CREATE TEMP TABLE _lost_current AS SELECT DISTINCT c.year, c.breakdown {stale}"), p)
    conn.exec_driver_sql(
        f"DELETE FROM {contract.TABLE} WHERE EXISTS (SELECT 1 FROM _lost_current l"
        f" WHERE l.year = {contract.TABLE}.year AND l.breakdown = {contract.TABLE}.breakdown)"
    )
    # The slice's newest remaining version, rebuilt from history by _rebuild_history.
    conn.execute(sa.text(
        f"INSERT INTO {contract.TABLE} ({TRANSIT_COLUMNS})"
        " SELECT f.year, f.month, f.breakdown, f.category, f.label, f.persons, f.note,"
        "  r.preliminary, r.as_of, r.source_url, r.source_sha256, f.source_table, f.source_page,"
        "  r.pipeline_version, r.load_id, :now"
        " FROM _full f JOIN _lost_current l ON l.year = f.year AND l.breakdown = f.breakdown"
        " JOIN _ranks r ON r.year = f.year AND r.breakdown = f.breakdown AND r.rnk = f.rnk"
        " WHERE r.rnk = r.n"
    ), p)


def _rebuild_history(conn: sa.Connection, p: dict, *, only_lost: bool) -> None:
    """Recompute the history of the ranked slices (only those the document loses, if `only_lost`).

    Every version's full values are rebuilt from history (a row is valid from its version up
    to, not including, the version that ended it, both ranked as when it was written), the
    new document's rows join them, and the slice's history is recomputed by comparing each
    version with the one ranked before it. A row re-created for a later version whose cell
    matched the version before it takes its table and page from that earlier row (the later
    version's own are not kept).
    """
    if only_lost:
        lost = ("FROM _ranks r WHERE NOT EXISTS (SELECT 1 FROM _won w"
                " WHERE w.year = r.year AND w.breakdown = r.breakdown)")
        if not conn.exec_driver_sql(f"SELECT COUNT(*) {lost}").scalar():
            return
        conn.exec_driver_sql(f"DELETE FROM _ranks WHERE EXISTS (SELECT 1 FROM _won w"
                             " WHERE w.year = _ranks.year AND w.breakdown = _ranks.breakdown)")
    slice_of = "{a}.year = {b}.year AND {a}.breakdown = {b}.breakdown"
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _full AS"
        " SELECT v.year, v.breakdown, v.rnk, h.month, h.category, h.persons, h.label, h.note,"
        "  h.source_table, h.source_page"
        " FROM _ranks v"
        f" JOIN _ranks_old vo ON {slice_of.format(a='vo', b='v')} AND vo.source_sha256 = v.source_sha256"
        f" JOIN darien_transit_history h ON {slice_of.format(a='h', b='v')}"
        f" JOIN _ranks_old hr ON {slice_of.format(a='hr', b='h')} AND hr.source_sha256 = h.source_sha256"
        f" LEFT JOIN _ranks_old er ON {slice_of.format(a='er', b='h')} AND er.source_sha256 = h.ended_by"
        " WHERE NOT v.is_new AND hr.rnk <= vo.rnk AND (h.ended_by IS NULL OR er.rnk > vo.rnk)"
        " UNION ALL"
        " SELECT s.year, s.breakdown, r.rnk, s.month, s.category, s.persons, s.label, s.note,"
        "  s.source_table, s.source_page"
        f" FROM _stage s JOIN _ranks r ON {slice_of.format(a='r', b='s')} AND r.is_new"
    )
    # Change points of a cell: versions where its value differs from the version before, and
    # versions where it disappears; each value lasts until the cell's next change point.
    same_cell = _on("p", "f") + " AND p.rnk = f.rnk - 1"
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _points AS"
        " SELECT f.year, f.breakdown, f.month, f.category, f.rnk, TRUE AS present,"
        "  f.persons, f.label, f.note, f.source_table, f.source_page"
        f" FROM _full f LEFT JOIN _full p ON {same_cell}"
        f" WHERE p.year IS NULL OR {_differs('p', 'f')}"
        " UNION ALL"
        " SELECT p.year, p.breakdown, p.month, p.category, p.rnk + 1, FALSE,"
        "  NULL, NULL, NULL, NULL, NULL"
        f" FROM _full p JOIN (SELECT DISTINCT year, breakdown, n FROM _ranks) k"
        f"  ON {slice_of.format(a='k', b='p')}"
        f" LEFT JOIN _full f ON {same_cell}"
        " WHERE p.rnk < k.n AND f.year IS NULL"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _desired AS"
        " SELECT x.year, x.month, x.breakdown, x.category, x.persons, x.label, x.note,"
        "  r.preliminary, r.as_of, r.as_of AS valid_from, e.as_of AS valid_to,"
        "  e.source_sha256 AS ended_by, r.source_url, r.source_sha256, x.source_table,"
        "  x.source_page, r.pipeline_version"
        " FROM (SELECT t.*, LEAD(t.rnk) OVER (PARTITION BY t.year, t.breakdown, t.month,"
        "  t.category ORDER BY t.rnk) AS next_rnk FROM _points t) x"
        f" JOIN _ranks r ON {slice_of.format(a='r', b='x')} AND r.rnk = x.rnk"
        f" LEFT JOIN _ranks e ON {slice_of.format(a='e', b='x')} AND e.rnk = x.next_rnk"
        " WHERE x.present"
    )
    # A row is kept only if it says what it should; a replaced document's rows from its
    # earlier pipeline version differ in value or version and are written again.
    same_row = _on("d", "h", (*CELL, "source_sha256", "persons", "label", "source_table",
                              "source_page", "pipeline_version", "as_of"))
    same_row += " AND d.note IS NOT DISTINCT FROM h.note"
    conn.exec_driver_sql(
        "DELETE FROM darien_transit_history h"
        " WHERE EXISTS (SELECT 1 FROM _ranks r WHERE r.year = h.year AND r.breakdown = h.breakdown)"
        f"  AND NOT EXISTS (SELECT 1 FROM _desired d WHERE {same_row})"
    )
    conn.exec_driver_sql(
        "UPDATE darien_transit_history h SET valid_to = d.valid_to, ended_by = d.ended_by"
        f" FROM _desired d WHERE {same_row} AND h.ended_by IS DISTINCT FROM d.ended_by"
    )
    conn.execute(sa.text(
        f"INSERT INTO darien_transit_history ({HISTORY_COLUMNS})"
        " SELECT d.year, d.month, d.breakdown, d.category, d.persons, d.label, d.note,"
        "  d.preliminary, d.as_of, d.valid_from, d.valid_to, d.ended_by, d.source_url,"
        "  d.source_sha256, d.source_table, d.source_page, d.pipeline_version, :load_id, :now"
        " FROM _desired d WHERE NOT EXISTS (SELECT 1 FROM darien_transit_history h"
        f"  WHERE {same_row})"
    ), p)
