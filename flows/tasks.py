"""Prefect tasks, and the steps a document's task runs: each a thin wrapper over plain functions of a stage package.

Tasks take and return plain values (URLs, paths, dataclasses); none caches its inputs
(`cache_policy=NONE`): engines and DataFrames are not hashable inputs and a rerun must
really look at the source again.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from prefect import get_run_logger, task
from prefect.cache_policies import NONE

import extract
import load
from darien.config import Settings
from darien.contract import PIPELINE_VERSION, Batch, DocumentVersion, published_name
from report.names import shown_url

NETWORK_RETRIES = dict(retries=2, retry_delay_seconds=[2, 10])


@dataclass
class DocumentOutcome:
    """What happened to one document version in a run: the line of the run's table."""

    url: str
    sha256: str | None
    year: int | None = None
    status: str = "unchanged"  # unchanged | loaded | quarantined | failed | skipped (not a Darién document)
    reason: str | None = None
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    docs_url: str | None = None


@dataclass
class RunSummary:
    warehouse: str
    found: int = 0
    fetched: int = 0
    listed: dict[str, int] = field(default_factory=dict)  # source -> documents it listed
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether this run wrote any figure (a quiet night skips exports and the chart)."""
        return any(o.inserted or o.updated or o.deleted for o in self.outcomes)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def problems(self) -> list[DocumentOutcome]:
        return [o for o in self.outcomes if o.status in ("quarantined", "failed")]

    def lines(self) -> list[str]:
        """The summary printed at the end of a run: two lines, and one naming the files skipped."""
        rows = sum(o.inserted + o.updated + o.deleted for o in self.outcomes)
        lines = [
            f"documents: {self.found} found, {self.fetched} new or changed, "
            f"{self.count('loaded')} loaded, {self.count('quarantined')} quarantined, "
            f"{self.count('failed')} failed",
            f"warehouse: {self.warehouse} ({rows} rows written)",
        ]
        skipped = [published_name(o.url) or o.url for o in self.outcomes if o.status == "skipped"]
        if skipped:
            lines.append(f"skipped {len(skipped)} file(s) that are no Darién transit document: "
                         + ", ".join(skipped))
        return lines


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # called with .fn() outside a run
        return logging.getLogger("flows")


@task(name="prepare warehouse", cache_policy=NONE)
def prepare_warehouse(cfg: Settings) -> None:
    """Create or migrate the warehouse tables."""
    try:
        engine = load.connect(cfg.warehouse)
    except load.WarehouseError as err:
        # Expected (a DuckDB file held by another process): one line, not the task engine's traceback.
        return failed(err)
    try:
        load.ensure_schema(engine)
    finally:
        engine.dispose()


@task(name="discover", task_run_name="discover {source}", cache_policy=NONE, **NETWORK_RETRIES)
def discover(cfg: Settings, source: str, session: requests.Session) -> list[extract.Link]:
    """The documents one index page or folder lists."""
    return extract.discover(source, session=session, allowed_hosts=cfg.allowed_hosts)


@task(name="fetch", task_run_name="fetch {source}", cache_policy=NONE)
def fetch_all(cfg: Settings, source: str, links: list[extract.Link],
              previous: dict[str, DocumentVersion], session: requests.Session) -> list[DocumentVersion]:
    """Fetch what changed among one source's documents and record every attempt in the ledger.

    One task per source, not per document: a nightly mostly hears "not modified", and a
    Prefect task run per document would cost more than the requests themselves. Retries
    live in the session (urllib3), per request.
    """
    def one(link: extract.Link) -> DocumentVersion:
        return extract.fetch(link, previous.get(link.url), raw_dir=cfg.raw_dir, session=session,
                             allowed_hosts=cfg.allowed_hosts, max_bytes=cfg.max_document_bytes)

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(one, links))
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.record_fetches(engine, versions)
    finally:
        engine.dispose()
    logger = run_logger()
    for version in versions:
        if version.error:
            logger.warning(version.error)
        elif version.fetch == "downloaded":
            logger.info("downloaded %s (%s)", shown_url(version.url), (version.sha256 or "")[:6])
    return versions


def quarantine(cfg: Settings, batch: Batch, verdict) -> DocumentOutcome:
    """Keep a failing batch and its report aside, and mark it in the ledger."""
    import expectations

    folder = expectations.quarantine(batch, verdict, cfg.quarantine_dir)
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.set_status(
            engine, batch.source_url, batch.source_sha256, "quarantined",
            error=verdict.failures[0], pipeline_version=PIPELINE_VERSION,
            validation=verdict.summary, docs_url=verdict.docs_url,
            unknown_tables=batch.unknown_tables, year=batch.year, as_of=batch.as_of,
            preliminary=batch.preliminary, modified_at=batch.modified_at,
        )
    finally:
        engine.dispose()
    run_logger().error("%s quarantined in %s: %s", shown_url(batch.source_url), folder, verdict.failures[0])
    return DocumentOutcome(batch.source_url, batch.source_sha256, batch.year, "quarantined",
                           verdict.failures[0], docs_url=verdict.docs_url)


def publish(cfg: Settings, batch: Batch, verdict, flow_run_id: str | None) -> DocumentOutcome:
    """Publish one validated document in one transaction, retried once after 2 s if it fails.

    A publish that fails applied nothing (one transaction): retrying it is safe, and covers
    a connection dropped by a restarting server.
    """
    for attempt in (1, 2):
        engine = load.connect(cfg.warehouse)
        try:
            stats = load.publish(engine, batch, flow_run_id=flow_run_id,
                                 validation=verdict.summary, docs_url=verdict.docs_url)
            break
        except load.WarehouseError as err:
            if attempt == 2:
                raise
            run_logger().warning("%s; publishing again in 2 s", err)
            time.sleep(2)
        finally:
            engine.dispose()
    if verdict.warnings:  # one line per document: the full list is on its validation page
        more = f" (and {len(verdict.warnings) - 1} more: {verdict.docs_url})" if len(verdict.warnings) > 1 else ""
        run_logger().warning("%s: %s%s", shown_url(batch.source_url), verdict.warnings[0], more)
    return DocumentOutcome(batch.source_url, batch.source_sha256, batch.year, "loaded",
                           inserted=stats.inserted, updated=stats.updated, deleted=stats.deleted,
                           docs_url=verdict.docs_url)


def record_failure(cfg: Settings, url: str, sha256: str, error: str) -> DocumentOutcome:
    """Mark a document that could not be parsed as failed in the ledger."""
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.set_status(engine, url, sha256, "failed", error=error,
                               pipeline_version=PIPELINE_VERSION)
    finally:
        engine.dispose()
    run_logger().error(error)
    return DocumentOutcome(url, sha256, None, "failed", error)


class RawFileLost(Exception):
    """A version's raw file is missing or damaged and its source no longer serves its bytes."""


def raw_file(cfg: Settings, row) -> Path:
    """The landing-zone file of a ledger row, checked against its sha256; fetched again if missing or damaged.

    Raises RawFileLost, one line naming the document, its sha256 and what to do, when the
    source cannot give the same bytes again.
    """
    path = extract.landing.find(cfg.raw_dir, row.sha256)
    if path is not None and extract.landing.intact(path, row.sha256):
        return path
    trouble = "missing from" if path is None else "damaged in"
    link = extract.Link(url=row.url, text="", source=row.source or row.url,
                        kind=row.kind or (path.suffix.lstrip(".") if path else "pdf"), year=row.year)
    try:
        restored = extract.restore(link, row.sha256, raw_dir=cfg.raw_dir, allowed_hosts=cfg.allowed_hosts,
                                   max_bytes=cfg.max_document_bytes)
    except (extract.Refused, extract.Failed) as err:
        raise RawFileLost(
            f"{published_name(row.url) or row.url} (sha256 {row.sha256}): raw file {trouble} the landing "
            f"zone {cfg.raw_dir} and not fetched again ({err}); restore it from a backup "
            f"(darien backup) or drop the version from etl_documents") from None
    run_logger().warning("%s (%s): raw file was %s the landing zone; fetched again from %s",
                         published_name(row.url), row.sha256[:12], trouble, row.url)
    return restored


def record_skipped(cfg: Settings, row, reason: str) -> DocumentOutcome:
    """Mark a file that is no Darién transit document as skipped, and keep none of its bytes."""
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.set_status(engine, row.url, row.sha256, "skipped", error=reason,
                               pipeline_version=PIPELINE_VERSION)
        still_needed = any(r.sha256 == row.sha256 for r in load.ledger.kept(engine))
    finally:
        engine.dispose()
    if not still_needed:  # the same bytes may be a kept version under another URL
        extract.landing.discard(cfg.raw_dir, row.sha256)
    run_logger().info("skipped %s: %s", published_name(row.url) or row.url, reason)
    return DocumentOutcome(row.url, row.sha256, None, "skipped", reason)


def still_skipped(cfg: Settings, row) -> None:
    """A skipped file whose bytes are gone from its source: it stays skipped under this pipeline version."""
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.set_status(engine, row.url, row.sha256, "skipped", error=row.error,
                               pipeline_version=PIPELINE_VERSION)
    finally:
        engine.dispose()
    return None


OPERATIONAL_ERRORS = (load.WarehouseLocked, load.WarehouseError)


def failed(err: Exception):
    """End a flow run Failed with a one-line message (no traceback in the logs) carrying `err`."""
    from prefect.states import Failed

    run_logger().error("%s", err)
    return Failed(message=f"{type(err).__name__}: {err}", data=err)
