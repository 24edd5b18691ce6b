"""Publishing one validated document: stage its rows, append its version slices, refresh what derives from them.

Every cell the document prints goes into etl_version_rows, one row per (year, breakdown) slice
into etl_slices; darien_transit and its history are then derived for the slices the document
touches (load/ranking.py ranks the versions; load/derive.py, or load/append.py for a new top
version, derives them). Everything happens in one transaction, so a crash leaves the warehouse
as it was.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import astuple, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from darien import contract
from load import append, bulk, derive, ledger, ranking
from load.warehouse import WarehouseError

if TYPE_CHECKING:  # imported where a batch is published: a quiet nightly run publishes none
    import pandas as pd

# A slice's own ranking keys, read from its rows: one document may span years.
PER_SLICE = ("as_of", "preliminary")
# The document's own lineage: one value for all its rows.
DOCUMENT = ("source_url", "source_sha256", "pipeline_version", "source_kind")


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


def _figures(batch: contract.Batch) -> list[tuple[ranking.Figures, pd.DataFrame]]:
    """Each figures table with the batch's rows for it (the annual rows may be missing: none)."""
    annual = batch.annual if batch.annual is not None else contract.empty_annual()
    return [(ranking.TRANSIT, batch.rows), (ranking.ANNUAL, annual)]


def _checked(batch: contract.Batch, f: ranking.Figures, rows: pd.DataFrame) -> pd.DataFrame:
    """The batch's rows for `f`, checked: lineage that is the document's own, no nulls, one as_of
    and status a year, no cell twice (the table's key holds in every slice it publishes)."""
    name = batch.source_url
    staged = [c.name for c in f.rows.columns]
    missing = [c for c in (*staged, *PER_SLICE, *DOCUMENT) if c not in rows.columns]
    if missing:
        raise WarehouseError(f"{name}: batch lacks columns {', '.join(missing)}")
    if not len(rows):
        return rows
    own = {"source_url": batch.source_url, "source_sha256": batch.source_sha256, "source_kind": batch.source_kind}
    for column, value in own.items():
        if not (rows[column] == value).all():
            raise WarehouseError(f"{name}: rows' {column} differs from the document's {value}")
    if batch.source_kind not in contract.SOURCE_KINDS:
        raise WarehouseError(f"{name}: unknown source kind {batch.source_kind!r}")
    if rows["pipeline_version"].nunique(dropna=False) != 1:
        raise WarehouseError(f"{name}: rows carry several pipeline versions")
    for column in PER_SLICE:
        if (rows.groupby("year")[column].nunique(dropna=False) > 1).any():
            raise WarehouseError(f"{name}: rows of one year carry several values of {column}")
    required = [c for c in staged if not f.rows.c[c].nullable] + list(PER_SLICE)
    nulls = [c for c in required if rows[c].isna().any()]
    if nulls:
        raise WarehouseError(f"{name}: null values in {', '.join(nulls)}")
    twice = rows.duplicated(list(f.current_key))
    if twice.any():
        row = rows.loc[twice.idxmax()]
        when = f"{row.year}-{row.month:02d}" if "month" in f.cell else f"{row.year}"
        raise WarehouseError(f"{name}: cell {when} {row.breakdown}/{row.category} appears more than once")
    return rows


def _version_slices(frame: pd.DataFrame) -> list[dict]:
    """The document's (year, breakdown) slices with their own as_of and status, found in the frame."""
    found = frame[[*ranking.SLICE, *PER_SLICE]].drop_duplicates(list(ranking.SLICE))
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


def _stage(conn: sa.Connection, f: ranking.Figures, frame: pd.DataFrame, sha256: str, kind: str) -> None:
    """Bulk-load the rows into the version rows: DuckDB scans the frame, PostgreSQL COPYs it."""
    document = {ranking.VERSION: sha256, "source_kind": kind}
    bulk.bulk_insert(conn, f.rows, frame, [c.name for c in f.rows.columns if c.name not in document], document)


def _remove_version(conn: sa.Connection, f: ranking.Figures, sha256: str, earlier_slices: list[tuple]) -> None:
    """Delete the rows and slices (`earlier_slices`) of a version about to be staged again under another pipeline version."""
    conn.execute(sa.delete(f.slices).where(f.slices.c.source_sha256 == sha256))
    rows = f.rows.c
    for year, breakdown, _ in earlier_slices:  # by slice, as PostgreSQL's index finds them
        conn.execute(sa.delete(f.rows).where(
            (rows.year == year) & (rows.breakdown == breakdown) & (rows.source_sha256 == sha256)))


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
    figures = [(f, _checked(batch, f, rows)) for f, rows in _figures(batch)]
    sha256 = batch.source_sha256
    started = datetime.now(timezone.utc)
    load_id = uuid.uuid4().hex
    given = next((rows for _, rows in figures if len(rows)), None)
    pipeline_version = (str(given["pipeline_version"].iloc[0]) if given is not None
                        else contract.PIPELINE_VERSION)
    size = sum(len(rows) for _, rows in figures)
    with engine.begin() as conn:
        earlier = ledger.last_load(conn, sha256)
        if earlier is not None and earlier.pipeline_version == pipeline_version:
            if not ledger.is_loaded(conn, batch.source_url, sha256, pipeline_version):
                _record_loaded(conn, batch, pipeline_version, validation, docs_url)
            return LoadStats(earlier.load_id, unchanged=size, noop=True)
        if conn.dialect.name == "postgresql":
            # The derivations join every version of the touched slices: let them hash in memory.
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        first_seen = batch.first_seen_at or ledger.first_seen(conn, sha256) or started
        total, tops = derive.Counts(), False
        for f, rows in figures:
            counts, topped = _publish_figures(conn, f, rows, batch, pipeline_version, load_id, first_seen, started)
            total = derive.Counts(*(a + b for a, b in zip(astuple(total), astuple(counts))))
            tops = tops or topped
        stats = LoadStats(load_id, total.inserted, total.updated, total.deleted, total.unchanged,
                          superseded=size > 0 and not tops)
        _pause_at("published")
        ledger.record_load(
            conn, load_id=load_id, flow_run_id=flow_run_id, source_url=batch.source_url,
            source_sha256=sha256, pipeline_version=pipeline_version, started_at=started,
            finished_at=datetime.now(timezone.utc), inserted=stats.inserted, updated=stats.updated,
            deleted=stats.deleted, unchanged=stats.unchanged, superseded=stats.superseded)
        _record_loaded(conn, batch, pipeline_version, validation, docs_url)
    return stats


def _record_loaded(conn: sa.Connection, batch: contract.Batch, pipeline_version: str,
                   validation: dict | None, docs_url: str | None) -> None:
    ledger.record_outcome(conn, batch.source_url, batch.source_sha256, "loaded", batch=batch,
                          pipeline_version=pipeline_version, validation=validation, docs_url=docs_url)


def _publish_figures(conn: sa.Connection, f: ranking.Figures, frame: pd.DataFrame, batch: contract.Batch,
                     pipeline_version: str, load_id: str, first_seen: datetime,
                     started: datetime) -> tuple[derive.Counts, bool]:
    """Stage the document's rows of one figures table, append its slices, refresh what derives
    from them; return the difference in the current table and whether the document is current in any slice."""
    sha256, kind = batch.source_sha256, batch.source_kind
    version = _version_slices(frame)
    document_slices = {(s["year"], s["breakdown"]) for s in version}
    # The slices this very version already holds (staged under an earlier pipeline version).
    earlier_slices = [tuple(r) for r in conn.execute(
        sa.select(f.slices.c.year, f.slices.c.breakdown, f.slices.c.source_kind)
        .where(f.slices.c.source_sha256 == sha256))]
    if not document_slices and not earlier_slices:
        return derive.Counts(), False
    ranking.drop_temp(conn)
    ranking.touch(conn, f, sorted({(*s, kind) for s in document_slices} | set(earlier_slices)))
    ranked_before = ranking.tops(conn, f)
    if earlier_slices:
        _remove_version(conn, f, sha256, earlier_slices)
    _stage(conn, f, frame, sha256, kind)
    if f is ranking.TRANSIT:
        _pause_at("staged")
    if version:
        conn.execute(sa.insert(f.slices).values([
            {**s, "source_sha256": sha256, "source_url": batch.source_url, "source_kind": kind,
             "modified_at": batch.modified_at, "first_seen_at": first_seen,
             "pipeline_version": pipeline_version, "load_id": load_id} for s in version]))
    ranked_after = ranking.rank(conn, f)
    current_before, current_after = ranked_before.current, ranked_after.current
    slices = set(current_before) | set(current_after) | document_slices | {(y, b) for y, b, _ in earlier_slices}
    refreshed = sorted(s for s in slices if current_before.get(s) != current_after.get(s)
                       or sha256 in (current_before.get(s), current_after.get(s)))
    topped = [s for s in document_slices if current_after.get(s) == sha256]  # where the document is now current
    previous = {s: ranked_before.chains.get((*s, kind)) for s in document_slices}
    if (version and not earlier_slices and len(topped) == len(document_slices)
            and set(refreshed) == document_slices
            and all(current_before.get(s) == top for s, top in previous.items())):
        # A new version ranked last in every slice it publishes, of the kind current there before
        # and after: only the slices' ends change (a new document, as in most nightly runs).
        counts = append.append_top(conn, f, frame, sha256, previous, load_id, started)
    else:
        counts = derive.refresh_current(conn, f, refreshed, started)
        derive.refresh_history(conn, f, load_id, started)
    ranking.drop_temp(conn)
    return counts, bool(topped)


def previous_version(engine: sa.Engine, url: str, sha256: str) -> contract.Batch | None:
    """The version of `url` published before `sha256`, read back from its version rows; None if none was.

    What a new version of the same document is held against (a year it drops, a final total it
    changes). Its rows carry the contract's columns; load_id and loaded_at are empty.
    """
    before = ledger.loaded_before(engine, url, sha256)
    if before is None:
        return None
    frames = {}
    with engine.connect() as conn:
        for f in (ranking.TRANSIT, ranking.ANNUAL):
            on = " AND ".join(f"s.{c} = v.{c}" for c in (*ranking.CHAIN, ranking.VERSION))
            columns = contract.COLUMNS if f is ranking.TRANSIT else contract.ANNUAL_COLUMNS
            select = [f"s.{c}" if c in ("as_of", "preliminary", "source_url", "pipeline_version") else
                      "NULL" if c in contract.LINEAGE_SET_BY_LOAD else f"v.{c}" for c in columns]
            found = conn.execute(sa.text(
                f"SELECT {', '.join(select)} FROM {f.rows.name} v JOIN {f.slices.name} s ON {on}"
                f" WHERE v.{ranking.VERSION} = :sha"), {"sha": before}).all()
            frames[f] = _frame(found, columns)
    row = ledger.get(engine, url, before)
    kind = next((str(frame["source_kind"].iloc[0]) for frame in frames.values() if len(frame)), "snm")
    return contract.Batch(source_kind=kind, source_url=url, source_sha256=before, year=row.year, as_of=row.as_of,
                          preliminary=bool(row.preliminary), rows=frames[ranking.TRANSIT],
                          annual=frames[ranking.ANNUAL], reconciliation=contract.empty_reconciliation(),
                          kind=row.kind or "pdf", modified_at=row.modified_at, first_seen_at=row.first_seen_at)


def _frame(found: list, columns: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([tuple(r) for r in found], columns=list(columns))
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["loaded_at"] = pd.Series(pd.NaT, index=frame.index, dtype=columns["loaded_at"])
    return frame.astype(columns)
