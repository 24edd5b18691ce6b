"""The document ledger (`etl_documents`): every version of every document URL and where it stands.

A version is (url, sha256). A fetch that stored no file (refused or failed on the wire) is kept
under sha256 '' for its URL, so the error is visible without inventing a content hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa

from darien.contract import LEDGER_STATUSES, Batch, DocumentVersion
from load.schema import annual_slices, documents, loads, slices

NO_FILE = ""
_FETCH_STATUS = {"refused": "refused", "failed": "failed"}


@dataclass
class LedgerRow:
    """One row of `etl_documents`: a document version, its fetch headers and its processing state.

    `unknown_tables` is the list of table titles the parser did not recognise; `validation`
    the expectation suites' summary (a dict) of the last validation, None before one ran.
    """

    url: str
    sha256: str
    status: str
    first_seen_at: datetime
    last_checked_at: datetime
    source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    bytes: int | None = None
    kind: str | None = None
    year: int | None = None
    as_of: date | None = None
    preliminary: bool | None = None
    modified_at: datetime | None = None
    error: str | None = None
    pipeline_version: str | None = None
    unknown_tables: list[str] = field(default_factory=list)
    validation: dict | None = None
    docs_url: str | None = None
    pruned_at: datetime | None = None
    accepted_at: datetime | None = None  # an operator accepted this version's regressions (--accept)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _row(mapping) -> LedgerRow:
    values = dict(mapping)
    values["unknown_tables"] = json.loads(values["unknown_tables"] or "[]")
    values["validation"] = json.loads(values["validation"]) if values["validation"] else None
    return LedgerRow(**values)


def _key(url: str, sha256: str):
    return (documents.c.url == url) & (documents.c.sha256 == sha256)


def _upsert(conn: sa.Connection, url: str, sha256: str, on_insert: dict, on_update: dict) -> None:
    """Update the version's row with `on_update`, or insert it with both dicts if it is new."""
    done = conn.execute(sa.update(documents).where(_key(url, sha256)).values(**on_update))
    if done.rowcount == 0:
        conn.execute(sa.insert(documents).values(url=url, sha256=sha256, **on_insert, **on_update))


def record_fetch(engine: sa.Engine, version: DocumentVersion, *,
                 pipeline_version: str | None = None) -> None:
    """Record one fetch: a new version as `new`, a seen one touched, a refused or failed one with its error."""
    record_fetches(engine, [version], pipeline_version=pipeline_version)


def record_fetches(engine: sa.Engine, versions: list[DocumentVersion], *,
                   pipeline_version: str | None = None) -> None:
    """Record a crawl's fetches in one transaction (a quiet night touches every known version)."""
    now = _now()
    with engine.begin() as conn:
        unchanged = [(v.url, v.sha256) for v in versions if v.fetch == "not_modified" and v.sha256]
        if unchanged:
            conn.execute(sa.update(documents)
                         .where(sa.tuple_(documents.c.url, documents.c.sha256).in_(unchanged))
                         .values(last_checked_at=now))
        for version in versions:
            if version.fetch == "not_modified" and version.sha256:
                continue
            _record(conn, version, now, pipeline_version)


def _record(conn: sa.Connection, version: DocumentVersion, now: datetime,
            pipeline_version: str | None) -> None:
    if version.fetch in _FETCH_STATUS or not version.sha256:
        _upsert(conn, version.url, NO_FILE,
                {"first_seen_at": now, "source": version.source, "kind": version.kind,
                 "year": version.year},
                {"last_checked_at": now, "status": _FETCH_STATUS.get(version.fetch, "failed"),
                 "error": version.error, "content_type": version.content_type,
                 "bytes": version.bytes})
        return
    _upsert(conn, version.url, version.sha256,
            {"first_seen_at": now, "status": "new", "source": version.source,
             "kind": version.kind, "year": version.year,
             "pipeline_version": pipeline_version},
            {"last_checked_at": now, "etag": version.etag,
             "last_modified": version.last_modified, "content_type": version.content_type,
             "bytes": version.bytes})


def set_status(engine: sa.Engine | sa.Connection, url: str, sha256: str, status: str, *,
               error: str | None = None, pipeline_version: str | None = None,
               validation: dict | None = None, docs_url: str | None = None,
               unknown_tables: list[str] | None = None, year: int | None = None,
               as_of: date | None = None, preliminary: bool | None = None,
               modified_at: datetime | None = None) -> None:
    """Move a document version to `status`, keeping what the flow learnt about it (None leaves a field as is)."""
    if status not in LEDGER_STATUSES:
        raise ValueError(f"{url}: unknown ledger status {status!r}")
    now = _now()
    given = {
        "pipeline_version": pipeline_version, "docs_url": docs_url, "year": year,
        "as_of": as_of, "preliminary": preliminary, "modified_at": modified_at,
        "validation": json.dumps(validation, default=str) if validation is not None else None,
        "unknown_tables": json.dumps(unknown_tables) if unknown_tables is not None else None,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    # A loaded version has no error left to show; any other status keeps the newest one.
    changes |= {"status": status, "error": error}
    if isinstance(engine, sa.Connection):
        _upsert(engine, url, sha256, {"first_seen_at": now, "last_checked_at": now}, changes)
        return
    with engine.begin() as conn:
        _upsert(conn, url, sha256, {"first_seen_at": now, "last_checked_at": now}, changes)


OUTCOMES = ("loaded", "quarantined", "failed", "skipped")


def record_outcome(conn: sa.Connection, url: str, sha256: str, status: str, *,
                   pipeline_version: str, reason: str | None = None, batch: Batch | None = None,
                   validation: dict | None = None, docs_url: str | None = None) -> None:
    """Record what a run did with one document version: loaded, quarantined, failed or skipped.

    The one place a document's outcome is written. It takes a connection so that `publish`
    records the load inside its own transaction: a kill before commit leaves nothing behind.
    With `batch`, what the parse learnt (year, as_of, tables it did not recognise) is kept too.
    """
    if status not in OUTCOMES:
        raise ValueError(f"{url}: {status!r} is no document outcome")
    learnt = {} if batch is None else dict(
        unknown_tables=batch.unknown_tables, year=batch.year, as_of=batch.as_of,
        preliminary=batch.preliminary, modified_at=batch.modified_at)
    set_status(conn, url, sha256, status, error=reason, pipeline_version=pipeline_version,
               validation=validation, docs_url=docs_url, **learnt)


def is_loaded(conn: sa.Connection, url: str, sha256: str, pipeline_version: str) -> bool:
    """Whether this version is already recorded as loaded by `pipeline_version`."""
    row = conn.execute(sa.select(documents.c.status, documents.c.pipeline_version)
                       .where(_key(url, sha256))).first()
    return row is not None and tuple(row) == ("loaded", pipeline_version)


def last_load(conn: sa.Connection, sha256: str) -> sa.Row | None:
    """The newest load of these bytes (load_id, pipeline_version), or None if they were never published."""
    return conn.execute(
        sa.select(loads.c.load_id, loads.c.pipeline_version)
        .where(loads.c.source_sha256 == sha256)
        .order_by(loads.c.started_at.desc()).limit(1)
    ).first()


def record_load(conn: sa.Connection, **values) -> None:
    """Add one row to `etl_loads`: a publish, its counts and whether the version was superseded."""
    conn.execute(sa.insert(loads).values(**values))


def latest_by_url(engine: sa.Engine) -> dict[str, DocumentVersion]:
    """The newest stored version of each URL, with its validators for conditional requests."""
    d = documents.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(documents).where(d.sha256 != NO_FILE)
            .order_by(d.url, d.first_seen_at, d.last_checked_at)
        ).mappings().all()
    newest = {row["url"]: row for row in rows}
    return {
        url: DocumentVersion(
            url=url, source=row["source"] or "", fetch="downloaded", sha256=row["sha256"],
            etag=row["etag"], last_modified=row["last_modified"],
            content_type=row["content_type"], bytes=row["bytes"], kind=row["kind"],
            year=row["year"], kept=row["status"] != "skipped" and row["pruned_at"] is None,  # as _kept()
        )
        for url, row in newest.items()
    }


def _select(engine: sa.Engine, where) -> list[LedgerRow]:
    d = documents.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(documents).where(where).order_by(d.first_seen_at, d.url, d.sha256)
        ).mappings().all()
    return [_row(r) for r in rows]


def pending(engine: sa.Engine, pipeline_version: str) -> list[LedgerRow]:
    """Stored versions still to process: new ones, and any last processed by another pipeline version.

    A version quarantined or failed under this same pipeline version is not pending: the same
    bytes through the same parser and suites would fail again (`darien reprocess` retries them).
    """
    d = documents.c
    return _select(engine, (d.sha256 != NO_FILE) & (
        (d.status == "new")
        | sa.func.coalesce(d.pipeline_version, "").is_distinct_from(pipeline_version)
    ))


def holding_years(engine: sa.Engine, years: range) -> set[str]:
    """The sha256 of every version whose published slices hold one of `years`, monthly or annual.

    The ledger's `year` is a document's newest: a document spanning years (the re-publication,
    a summary since 2010) holds older ones too, and its slices say which.
    """
    held = set()
    with engine.connect() as conn:
        for table in (slices, annual_slices):
            held |= set(conn.scalars(sa.select(table.c.source_sha256).distinct()
                                     .where(table.c.year.between(years.start, years.stop - 1))))
    return held


def stored(engine: sa.Engine) -> list[LedgerRow]:
    """Every version with a stored file, whatever its status (for forced re-processing)."""
    return _select(engine, documents.c.sha256 != NO_FILE)


def _kept():
    d = documents.c
    return (d.sha256 != NO_FILE) & (d.status != "skipped") & d.pruned_at.is_(None)


def kept(engine: sa.Engine, sha256: str | None = None) -> list[LedgerRow]:
    """Every version whose bytes the landing zone should hold (neither skipped nor pruned), or those of `sha256`."""
    return _select(engine, _kept() if sha256 is None else _kept() & (documents.c.sha256 == sha256))


def mark_pruned(engine: sa.Engine, sha256s: list[str]) -> int:
    """Record that retention deleted these versions' raw files; returns how many versions that was."""
    if not sha256s:
        return 0
    with engine.begin() as conn:
        return conn.execute(sa.update(documents)
                            .where(documents.c.sha256.in_(sha256s) & documents.c.pruned_at.is_(None))
                            .values(pruned_at=_now())).rowcount


def accept(engine: sa.Engine, sha256s: list[str]) -> int:
    """Record that an operator accepted these versions' regressions against the version loaded before them (`darien reprocess --accept`)."""
    if not sha256s:
        return 0
    with engine.begin() as conn:
        return conn.execute(sa.update(documents).where(documents.c.sha256.in_(sha256s))
                            .values(accepted_at=_now())).rowcount


def loaded_before(engine: sa.Engine, url: str, sha256: str) -> str | None:
    """The sha256 of the newest version of `url` other than `sha256` that was published, None if there is none."""
    with engine.connect() as conn:
        return conn.execute(
            sa.select(documents.c.sha256)
            .where((documents.c.url == url) & (documents.c.sha256 != sha256) & (documents.c.status == "loaded"))
            .order_by(documents.c.first_seen_at.desc(), documents.c.sha256.desc()).limit(1)).scalar()


def quarantined(engine: sa.Engine) -> list[LedgerRow]:
    """Versions whose batch failed validation and waits in quarantine."""
    return _select(engine, documents.c.status == "quarantined")


def get(engine: sa.Engine, url: str, sha256: str) -> LedgerRow | None:
    """One version's ledger row, or None."""
    found = _select(engine, _key(url, sha256))
    return found[0] if found else None


def first_seen(engine: sa.Engine | sa.Connection, sha256: str) -> datetime | None:
    """When the ledger first saw these bytes, under any URL."""
    query = sa.select(sa.func.min(documents.c.first_seen_at)).where(documents.c.sha256 == sha256)
    if isinstance(engine, sa.Connection):
        return engine.execute(query).scalar()
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def known_count_by_source(engine: sa.Engine) -> dict[str, int]:
    """How many document URLs with a stored file each source (index page or folder) has listed.

    A skipped file (no Darién document) is no document of its source: its leaving is no news.
    """
    d = documents.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(d.source, sa.func.count(sa.distinct(d.url)))
            .where((d.sha256 != NO_FILE) & d.source.is_not(None) & (d.status != "skipped"))
            .group_by(d.source)
        ).all()
    return {source: count for source, count in rows}
