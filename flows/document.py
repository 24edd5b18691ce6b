"""One document of a run: its Prefect task and the steps it takes, each over a stage package's plain functions.

The document is parsed and validated in worker processes; its ledger changes and its
publish happen in the flow's process, one document at a time (a warehouse has one writer).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.cache_policies import NONE
from prefect.states import Failed

import expectations
import extract
import load
import transform
from darien.config import Settings
from darien.contract import PIPELINE_VERSION, Batch, published_name, shown_url
from flows.outcomes import DocumentOutcome, run_logger


@dataclass(frozen=True)
class Shared:
    """What every document of a run shares: settings, worker pools, the warehouse's write lock."""

    cfg: Settings
    parsers: transform.ParserPool
    validators: expectations.ValidatorPool
    writing: threading.Lock
    run_id: str | None
    years: range | None


@task(name="document", cache_policy=NONE, task_run_name="document {name}")
def document(shared: Shared, row, name: str):
    """One document: parsed and validated in the worker pools, then published or quarantined.

    One task run per document (a run per stage cost ~80 ms of the API each). It ends Failed,
    with the one-line reason, when the document is quarantined or fails; None if the
    document turns out to be of a year outside the run's.
    """
    cfg, writing = shared.cfg, shared.writing
    try:
        path = raw_file(cfg, row)
    except RawFileLost as err:
        with writing:
            if row.status == "skipped":  # no Darién document then, and its source has it no more
                return still_skipped(cfg, row)
            return _ended(record_failure(cfg, row.url, row.sha256, str(err)))
    try:
        batch = shared.parsers.submit(path, source_url=row.url, sha256=row.sha256).result()
        # A document spanning years (the re-publication) is taken whole when any of them is in range.
        if shared.years is not None and not set(batch.years) & set(shared.years):
            return None
        batch.first_seen_at = row.first_seen_at
        with writing:  # the warehouse is read and written by one document at a time
            previous = held_against(cfg, batch)
        verdict = shared.validators.submit(batch, previous=previous, accepted=row.accepted_at is not None).result()
    except transform.NotDarien as err:
        with writing:
            return record_skipped(cfg, row, str(err))
    except (transform.ParseError, expectations.ValidationCrashed) as err:
        with writing:
            if getattr(err, "quarantine", False):  # bad figures, not a bad file: held for an operator
                return _ended(quarantine_unread(cfg, row, str(err)))
            return _ended(record_failure(cfg, row.url, row.sha256, str(err)))
    with writing:
        if not verdict.success:
            return _ended(quarantine(cfg, batch, verdict))
        try:
            return _ended(publish(cfg, batch, verdict, shared.run_id))
        except load.WarehouseError as err:  # still failing after publish's retry: this document fails
            return _ended(record_failure(cfg, batch.source_url, batch.source_sha256, str(err)))


def held_against(cfg: Settings, batch: Batch):
    """The per-year totals a new version of the re-publication must keep: its URL's version published before it (None if none)."""
    if batch.source_kind != "republication":  # SNM revises its own files in place: each version stands alone
        return None
    engine = load.connect(cfg.warehouse)
    try:
        before = load.previous_version(engine, batch.source_url, batch.source_sha256)
    finally:
        engine.dispose()
    return None if before is None else expectations.year_totals(before)


def _ended(outcome: DocumentOutcome):
    """The document task's end: the outcome, in a Failed state if the document did not load."""
    if outcome.status in ("quarantined", "failed"):
        return Failed(message=f"{outcome.status}: {outcome.reason}", data=outcome)
    return outcome


def label(row) -> str:
    """How a document is named in task runs and the progress bar: its year and sha256 prefix."""
    return f"{row.year} ({row.sha256[:6]})" if row.year else row.sha256[:6]


def quarantine(cfg: Settings, batch: Batch, verdict) -> DocumentOutcome:
    """Keep a failing batch and its report aside, and mark it in the ledger."""
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


def quarantine_unread(cfg: Settings, row, reason: str) -> DocumentOutcome:
    """Quarantine a document whose figures the parser refused (a count NA or negative, an unknown code): its raw file stays for `darien reprocess`."""
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.set_status(engine, row.url, row.sha256, "quarantined", error=reason,
                               pipeline_version=PIPELINE_VERSION)
    finally:
        engine.dispose()
    run_logger().error("%s quarantined: %s", shown_url(row.url), reason)
    return DocumentOutcome(row.url, row.sha256, row.year, "quarantined", reason)


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
    for accepted in verdict.summary.get("accepted", []):  # an operator's --accept: named in the run
        run_logger().warning("%s published as accepted (sha256 %s): %s", shown_url(batch.source_url),
                             batch.source_sha256[:12], accepted)
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
        still_needed = bool(load.ledger.kept(engine, row.sha256))
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
