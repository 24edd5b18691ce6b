"""The steps both flows share: crawl the sources, then parse, validate and publish documents.

Parsing and validation run in pools of long-lived worker processes (the parsers import
neither Prefect nor Great Expectations; the validators no Prefect), `DARIEN_WORKERS`
documents at a time; the flow's own process publishes one document at a time, because a
warehouse has one writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from prefect.runtime import flow_run
from prefect.utilities.annotations import opaque

import expectations
import extract
import load
import transform
from darien.config import Settings
from flows import artifacts, downstream, progress, tasks
from flows.document import Shared, document, label
from flows.lanes import in_lanes
from flows.outcomes import OPERATIONAL_ERRORS, DocumentOutcome, RunSummary, failed, run_logger


def locked_run(cfg: Settings, work: Callable[[RunSummary], None]):
    """The frame every flow shares, around its own `work`.

    Hold the warehouse lock, bring the schema up to date, do the work, then exports and
    checks; after the lock: the run's artifacts and its final state (Warning if checks warn).
    An operational error (lock held, warehouse unreachable) ends the run Failed in one line.
    """
    summary = RunSummary(warehouse=load.safe_url(cfg.warehouse))
    try:
        # kept_open: each step below connects on its own, without reading a DuckDB file anew.
        with load.run_lock(cfg.warehouse, wait_s=cfg.lock_wait_s), load.kept_open(cfg.warehouse):
            tasks.prepare_warehouse(cfg)
            work(summary)
            downstream.after_publish(cfg, summary)
    except OPERATIONAL_ERRORS as err:
        return failed(err)
    artifacts.publish_artifacts(cfg, summary)
    return downstream.final_state(summary)


def crawl(cfg: Settings, summary: RunSummary) -> None:
    """Discover every source's documents and fetch those that changed."""
    engine = load.connect(cfg.warehouse)
    try:
        latest = load.ledger.latest_by_url(engine)
    finally:
        engine.dispose()
    files = extract.landing.listing(cfg.raw_dir)
    previous = {url: replace(v, path=files.get(v.sha256)) for url, v in latest.items()}
    session = extract.make_session(min_interval=cfg.request_interval_s)
    for source in cfg.sources:
        try:
            links = tasks.discover(cfg, source, session)
        except extract.SourceError as err:  # one unreachable source does not stop the others
            summary.outcomes.append(DocumentOutcome(source, None, status="failed", reason=str(err)))
            continue
        summary.found += len(links)
        summary.listed[source] = len(links)
        # opaque: Prefect would otherwise walk every link and known version looking for futures.
        versions = tasks.fetch_all(cfg, source, opaque(links), opaque(previous), session)
        summary.fetched += sum(v.fetch == "downloaded" for v in versions)


def process(cfg: Settings, todo: list, summary: RunSummary, years: range | None = None) -> None:
    """Parse, validate and publish `todo` (ledger rows), `cfg.workers` documents at a time.

    Each document is parsed, then validated, in worker processes; this process publishes
    (and writes every ledger change) one document at a time, as a warehouse has one writer.
    With one worker, one document is in flight from its parse to its publish.
    """
    pruned = [row for row in todo if row.pruned_at is not None]
    if pruned:  # retention deleted their bytes on purpose: nothing to read, nothing wrong
        run_logger().info("%d document version(s) not read again: their raw files were pruned "
                          "by retention (DARIEN_KEEP_RAW_DAYS)", len(pruned))
        todo = [row for row in todo if row.pruned_at is None]
    if not todo:
        return
    progress.expect(len(todo))
    n = max(1, cfg.workers)
    with transform.ParserPool(n, cfg.parse_timeout_s) as parsers, \
            expectations.ValidatorPool(n, gx_dir=cfg.gx_dir, docs_dir=cfg.docs_dir,
                                       jump_factor=cfg.jump_factor) as validators:
        shared = Shared(cfg, parsers, validators, threading.Lock(),
                        str(flow_run.id) if flow_run.id else None, years)
        outcomes = in_lanes(todo, n, lambda row: _one(shared, row))
    summary.outcomes += [outcome for outcome in outcomes if outcome is not None]


def _one(shared: Shared, row) -> DocumentOutcome | None:
    """One document's task run, its outcome (None: a year outside the run's); raises an operational error."""
    outcome = document(shared, row, label(row), return_state=True).result(raise_on_failure=False)
    if isinstance(outcome, BaseException):
        raise outcome
    progress.advance(label(row))
    return outcome


def pending(cfg: Settings, pipeline_version: str | None, years: range | None = None) -> list:
    """Ledger rows to process: new or re-versioned ones, or every stored one (None: force)."""
    engine = load.connect(cfg.warehouse)
    try:
        if pipeline_version is None:
            rows = load.ledger.stored(engine)
        else:
            rows = load.ledger.pending(engine, pipeline_version)
    finally:
        engine.dispose()
    if years is not None:
        rows = [r for r in rows if r.year is None or r.year in years]
    # Publish oldest years first so a backfill advances one year after the other.
    return sorted(rows, key=lambda r: (r.year or 0, str(r.first_seen_at), r.sha256))


def accept(cfg: Settings, prefixes: list[str]) -> None:
    """Record an operator's acceptance of the stored versions whose sha256 starts with one of `prefixes`."""
    chosen = {r.sha256 for r in selected(cfg, prefixes, False)}
    engine = load.connect(cfg.warehouse)
    try:
        load.ledger.accept(engine, sorted(chosen))
    finally:
        engine.dispose()


def selected(cfg: Settings, prefixes: list[str], quarantined: bool) -> list:
    """Stored versions whose sha256 starts with one of `prefixes`, plus the quarantined/failed ones."""
    engine = load.connect(cfg.warehouse)
    try:
        rows = load.ledger.stored(engine)
    finally:
        engine.dispose()
    unknown = [p for p in prefixes if not any(r.sha256.startswith(p) for r in rows)]
    if unknown:
        raise LookupError(f"no stored document version with sha256 {', '.join(unknown)}")
    return [r for r in rows if any(r.sha256.startswith(p) for p in prefixes)
            or (quarantined and r.status in ("quarantined", "failed"))]
