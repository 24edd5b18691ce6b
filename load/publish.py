"""Publishing one validated document: stage its rows, append its version slices, refresh what derives from them.

Every cell the document prints goes into etl_version_rows, one row per (year, breakdown) slice
into etl_slices; darien_transit and its history are then derived for the slices the document
touches (load/derive.py ranks the versions). Everything happens in one transaction, so a crash
leaves the warehouse as it was.
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
from load import derive, ledger
from load.schema import slices, version_rows
from load.warehouse import WarehouseError

if TYPE_CHECKING:  # imported where a batch is published: a quiet nightly run publishes none
    import pandas as pd

# The columns of a version's rows that the batch gives row by row (the version is the sha256).
STAGED = tuple(c.name for c in version_rows.columns if c.name != derive.VERSION)
# A slice's own ranking keys, read from its rows: one document may span years.
PER_SLICE = ("as_of", "preliminary")


@dataclass
class LoadStats:
    """What one publish did to the current table; `superseded` when the document tops none of its slices.

    The counts are the difference in darien_transit over the slices the publish touched.
    Publishing a document whose sha256 was last loaded by the same pipeline version is a no-op:
    nothing is written (no etl_loads row either), `noop` is True and `load_id` is that earlier
    load's. Under another pipeline version the document's earlier rows are replaced.
    """

    load_id: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    superseded: bool = False
    noop: bool = False


def _document_rows(batch: contract.Batch) -> pd.DataFrame:
    """The batch's rows, checked: lineage that is the document's own, no nulls, one as_of and status a year."""
    rows = batch.rows
    missing = [c for c in (*STAGED, *PER_SLICE, "source_url", "source_sha256", "pipeline_version")
               if c not in rows.columns]
    if missing:
        raise WarehouseError(f"{batch.source_url}: batch lacks columns {', '.join(missing)}")
    for column, value in {"source_url": batch.source_url, "source_sha256": batch.source_sha256}.items():
        if len(rows) and not (rows[column] == value).all():
            raise WarehouseError(f"{batch.source_url}: rows' {column} differs from the document's {value}")
    if len(rows) and rows["pipeline_version"].nunique(dropna=False) != 1:
        raise WarehouseError(f"{batch.source_url}: rows carry several pipeline versions")
    for column in PER_SLICE:
        if len(rows) and (rows.groupby("year")[column].nunique(dropna=False) > 1).any():
            raise WarehouseError(f"{batch.source_url}: rows of one year carry several values of {column}")
    required = [c for c in STAGED if not version_rows.c[c].nullable] + list(PER_SLICE)
    nulls = [c for c in required if rows[c].isna().any()]
    if nulls:
        raise WarehouseError(f"{batch.source_url}: null values in {', '.join(nulls)}")
    return rows


def _check_unique(frame: pd.DataFrame, url: str) -> None:
    """Refuse a document that gives one cell twice: the contract's key holds in every slice it publishes."""
    key = list(derive.TRANSIT.key)
    twice = frame.duplicated(key)
    if twice.any():
        year, breakdown, month, category = frame.loc[twice.idxmax(), key]
        raise WarehouseError(f"{url}: cell {year}-{month:02d} {breakdown}/{category} appears more than once")


def _version_slices(frame: pd.DataFrame) -> list[dict]:
    """The document's (year, breakdown) slices with their own as_of and status, found in the frame."""
    found = frame[[*derive.SLICE, *PER_SLICE]].drop_duplicates(list(derive.SLICE))
    return [{"year": int(year), "breakdown": str(breakdown), "as_of": as_of.date(),
             "preliminary": bool(preliminary)}
            for year, breakdown, as_of, preliminary in found.itertuples(index=False)]


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


def _stage(conn: sa.Connection, frame: pd.DataFrame, sha256: str) -> None:
    """Bulk-load the rows into etl_version_rows: DuckDB scans the frame, PostgreSQL COPYs it."""
    derive.bulk_insert(conn, version_rows, frame, STAGED, {derive.VERSION: sha256})


def _remove_version(conn: sa.Connection, sha256: str, had: list[tuple]) -> None:
    """Delete the rows and slices (`had`) of a version about to be staged again under another pipeline version."""
    conn.execute(sa.delete(slices).where(slices.c.source_sha256 == sha256))
    for year, breakdown in had:  # by slice, as PostgreSQL's index finds them
        conn.execute(sa.delete(version_rows).where(
            (version_rows.c.year == year) & (version_rows.c.breakdown == breakdown)
            & (version_rows.c.source_sha256 == sha256)))


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
    sha256 = batch.source_sha256
    started = datetime.now(timezone.utc)
    load_id = uuid.uuid4().hex
    pipeline_version = (str(frame["pipeline_version"].iloc[0]) if len(frame)
                        else contract.PIPELINE_VERSION)
    version = _version_slices(frame)
    with engine.begin() as conn:
        earlier = ledger.last_load(conn, sha256)
        if earlier is not None and earlier.pipeline_version == pipeline_version:
            ledger.mark_loaded(conn, batch, pipeline_version, validation=validation,
                               docs_url=docs_url, only_if_changed=True)
            return LoadStats(earlier.load_id, unchanged=len(frame), noop=True)
        derive.drop_temp(conn)
        if conn.dialect.name == "postgresql":
            # The derivations join every version of the touched slices: let them hash in memory.
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        mine = [(s["year"], s["breakdown"]) for s in version]
        had = [tuple(s) for s in conn.execute(sa.select(slices.c.year, slices.c.breakdown)
                                              .where(slices.c.source_sha256 == sha256))]
        touched = sorted(set(mine) | set(had))
        derive.touch(conn, touched)
        before = derive.tops(conn)
        if had:
            _remove_version(conn, sha256, had)
        _stage(conn, frame, sha256)
        _pause_at("staged")
        first_seen = batch.first_seen_at or ledger.first_seen(conn, sha256) or started
        if version:
            conn.execute(sa.insert(slices).values([
                {**s, "source_sha256": sha256, "source_url": batch.source_url,
                 "modified_at": batch.modified_at, "first_seen_at": first_seen,
                 "pipeline_version": pipeline_version, "load_id": load_id} for s in version]))
        after = derive.rank(conn)
        tops = [s for s in mine if after.get(s) == sha256]
        refreshed = [s for s in touched if sha256 in (before.get(s), after.get(s))]
        if version and not had and len(tops) == len(mine):
            # A new version ranked last in every slice it publishes: only the slices' ends change.
            counts = derive.append_top(conn, derive.TRANSIT, frame, sha256,
                                       {s: before.get(s) for s in mine}, load_id, started)
        else:
            counts = derive.refresh_current(conn, derive.TRANSIT, refreshed, started)
            derive.refresh_history(conn, derive.TRANSIT, load_id, started)
        stats = LoadStats(load_id, counts.inserted, counts.updated, counts.deleted, counts.unchanged,
                          superseded=len(frame) > 0 and not tops)
        _pause_at("published")
        derive.drop_temp(conn)
        ledger.record_load(
            conn, load_id=load_id, flow_run_id=flow_run_id, source_url=batch.source_url,
            source_sha256=sha256, pipeline_version=pipeline_version, started_at=started,
            finished_at=datetime.now(timezone.utc), inserted=stats.inserted, updated=stats.updated,
            deleted=stats.deleted, unchanged=stats.unchanged, superseded=stats.superseded)
        ledger.mark_loaded(conn, batch, pipeline_version, validation=validation, docs_url=docs_url)
    return stats
