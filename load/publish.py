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

import pandas as pd
import sqlalchemy as sa

from darien import contract
from load import ledger
from load.schema import loads
from load.warehouse import WarehouseError

# Columns that vary from row to row; the rest of the lineage is the document's own.
STAGED = {
    "year": "INTEGER", "month": "INTEGER", "breakdown": "VARCHAR", "category": "VARCHAR",
    "label": "VARCHAR", "persons": "BIGINT", "note": "VARCHAR", "source_table": "VARCHAR",
    "source_page": "INTEGER",
}
PER_DOCUMENT = ("preliminary", "as_of", "source_url", "source_sha256", "pipeline_version")
TEMP_TABLES = ("_stage", "_ranks", "_won", "_full", "_points", "_desired")
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

    Publishing a document whose sha256 already has a load is a no-op: nothing is written
    (no etl_loads row either), `noop` is True and `load_id` is that earlier load's.
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
        time.sleep(3600)


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


def _drop_temp(conn: sa.Connection) -> None:
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def publish(engine: sa.Engine, batch: contract.Batch, *, flow_run_id: str | None = None,
            validation: dict | None = None, docs_url: str | None = None) -> LoadStats:
    """Publish one validated document in one transaction and mark it loaded in the ledger."""
    frame = _document_rows(batch)
    started = datetime.now(timezone.utc)
    load_id = uuid.uuid4().hex
    pipeline_version = (str(batch.rows["pipeline_version"].iloc[0]) if len(batch.rows)
                        else contract.PIPELINE_VERSION)
    with engine.begin() as conn:
        earlier = conn.execute(
            sa.select(loads.c.load_id).where(loads.c.source_sha256 == batch.source_sha256)
            .order_by(loads.c.started_at).limit(1)
        ).scalar()
        if earlier is not None:
            _mark_loaded(conn, batch, pipeline_version, validation, docs_url, only_if_changed=True)
            return LoadStats(earlier, unchanged=len(frame), noop=True)
        _drop_temp(conn)
        _stage(conn, frame)
        _pause_at("staged")
        params = {
            "sha": batch.source_sha256, "url": batch.source_url, "as_of": batch.as_of,
            "prelim": bool(batch.preliminary), "modified_at": batch.modified_at,
            "first_seen": batch.first_seen_at or ledger.first_seen(conn, batch.source_sha256) or started,
            "pv": pipeline_version, "load_id": load_id, "now": started,
        }
        won = _rank(conn, params)
        stats = LoadStats(load_id, superseded=won == 0 and len(frame) > 0)
        if won:
            _publish_won(conn, params, stats)
        _rebuild_lost_history(conn, params)
        _pause_at("published")
        _drop_temp(conn)
        conn.execute(sa.insert(loads).values(
            load_id=load_id, flow_run_id=flow_run_id, source_url=batch.source_url,
            source_sha256=batch.source_sha256, started_at=started,
            finished_at=datetime.now(timezone.utc), inserted=stats.inserted,
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


def _rank(conn: sa.Connection, p: dict) -> int:
    """Record the document's slices and rank every version of them; return how many slices it wins."""
    conn.execute(sa.text(
        "INSERT INTO etl_slices (year, breakdown, source_sha256, source_url, as_of, preliminary,"
        " modified_at, first_seen_at, pipeline_version, load_id)"
        " SELECT DISTINCT year, breakdown, :sha, :url, :as_of, :prelim,"
        " CAST(:modified_at AS TIMESTAMP WITH TIME ZONE),"
        " CAST(:first_seen AS TIMESTAMP WITH TIME ZONE), :pv, :load_id FROM _stage"
    ), p)
    # rnk 1 is the oldest version of a slice, n the newest (the one published).
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _ranks (year INTEGER, breakdown VARCHAR, source_sha256 VARCHAR,"
        " source_url VARCHAR, as_of DATE, preliminary BOOLEAN, pipeline_version VARCHAR,"
        " rnk BIGINT, n BIGINT, is_new BOOLEAN)"
    )
    conn.execute(sa.text(
        "INSERT INTO _ranks"
        " SELECT v.year, v.breakdown, v.source_sha256, v.source_url, v.as_of, v.preliminary,"
        "  v.pipeline_version,"
        "  ROW_NUMBER() OVER (PARTITION BY v.year, v.breakdown ORDER BY v.as_of,"
        "   v.preliminary DESC, v.modified_at NULLS FIRST, v.first_seen_at NULLS FIRST,"
        "   v.source_sha256),"
        "  COUNT(*) OVER (PARTITION BY v.year, v.breakdown),"
        "  v.source_sha256 = :sha"
        " FROM etl_slices v"
        " JOIN (SELECT DISTINCT year, breakdown FROM _stage) d"
        "  ON d.year = v.year AND d.breakdown = v.breakdown"
    ), p)
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _won AS SELECT year, breakdown FROM _ranks WHERE is_new AND rnk = n"
    )
    return conn.exec_driver_sql("SELECT COUNT(*) FROM _won").scalar()


def _publish_won(conn: sa.Connection, p: dict, stats: LoadStats) -> None:
    """Make the slices the document wins hold exactly its rows, and extend their history."""
    in_won = "JOIN _won w ON w.year = {t}.year AND w.breakdown = {t}.breakdown"
    counts = conn.exec_driver_sql(
        "SELECT COUNT(*) FILTER (WHERE c.year IS NULL),"
        f" COUNT(*) FILTER (WHERE c.year IS NOT NULL AND {_differs('c', 's')}),"
        " COUNT(*) FILTER (WHERE c.year IS NOT NULL AND NOT " + _differs("c", "s") + ")"
        f" FROM _stage s {in_won.format(t='s')}"
        f" LEFT JOIN {contract.TABLE} c ON {_on('c', 's')}"
    ).one()
    stats.inserted, stats.updated, stats.unchanged = (int(n) for n in counts)
    stats.deleted = int(conn.exec_driver_sql(
        f"SELECT COUNT(*) FROM {contract.TABLE} c {in_won.format(t='c')}"
        f" WHERE NOT EXISTS (SELECT 1 FROM _stage s WHERE {_on('s', 'c')})"
    ).scalar())
    # The open history rows of a won slice are its current values: close those the document
    # changes or drops, then add a row for each value it brings.
    conn.execute(sa.text(
        "UPDATE darien_transit_history h SET valid_to = :as_of, ended_by = :sha"
        " WHERE h.ended_by IS NULL"
        "  AND EXISTS (SELECT 1 FROM _won w WHERE w.year = h.year AND w.breakdown = h.breakdown)"
        f"  AND NOT EXISTS (SELECT 1 FROM _stage s WHERE {_on('s', 'h')} AND NOT {_differs('s', 'h')})"
    ), p)
    conn.execute(sa.text(
        f"INSERT INTO darien_transit_history ({HISTORY_COLUMNS})"
        " SELECT s.year, s.month, s.breakdown, s.category, s.persons, s.label, s.note,"
        "  :prelim, :as_of, :as_of, NULL, NULL, :url, :sha, s.source_table, s.source_page,"
        "  :pv, :load_id, :now"
        f" FROM _stage s {in_won.format(t='s')}"
        f" LEFT JOIN {contract.TABLE} c ON {_on('c', 's')}"
        f" WHERE c.year IS NULL OR {_differs('c', 's')}"
    ), p)
    conn.exec_driver_sql(
        f"DELETE FROM {contract.TABLE} WHERE EXISTS (SELECT 1 FROM _won w"
        f" WHERE w.year = {contract.TABLE}.year AND w.breakdown = {contract.TABLE}.breakdown)"
    )
    conn.execute(sa.text(
        f"INSERT INTO {contract.TABLE} ({TRANSIT_COLUMNS})"
        " SELECT s.year, s.month, s.breakdown, s.category, s.label, s.persons, s.note,"
        "  :prelim, :as_of, :url, :sha, s.source_table, s.source_page, :pv, :load_id, :now"
        f" FROM _stage s {in_won.format(t='s')}"
    ), p)


def _rebuild_lost_history(conn: sa.Connection, p: dict) -> None:
    """Slot the document into the history of the slices it loses, recomputing what follows it.

    Every version's full values are rebuilt from history (a row is valid from its version up
    to, not including, the version that ended it), the new document's rows join them, and the
    slice's history is recomputed by comparing each version with the one ranked before it.
    A row re-created for a later version whose cell matched the version before it takes its
    table and page from that earlier row (the later version's own are not kept).
    """
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
        f" JOIN darien_transit_history h ON {slice_of.format(a='h', b='v')}"
        f" JOIN _ranks hr ON {slice_of.format(a='hr', b='h')} AND hr.source_sha256 = h.source_sha256"
        f" LEFT JOIN _ranks er ON {slice_of.format(a='er', b='h')} AND er.source_sha256 = h.ended_by"
        " WHERE NOT v.is_new AND hr.rnk <= v.rnk AND (h.ended_by IS NULL OR er.rnk > v.rnk)"
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
    same_row = _on("d", "h", (*CELL, "source_sha256"))
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
