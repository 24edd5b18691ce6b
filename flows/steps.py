"""The steps both flows share: crawl the sources, then parse, validate and publish documents.

Parsing and validation run in pools of long-lived worker processes (the parsers import
neither Prefect nor Great Expectations; the validators no Prefect), `DARIEN_WORKERS`
documents at a time; the flow's own process publishes one document at a time, because a
warehouse has one writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, replace

from prefect import task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.utilities.annotations import opaque

import expectations
import extract
import load
import transform
from darien.config import Settings
from flows import artifacts, downstream, progress, tasks
from flows.tasks import DocumentOutcome, RunSummary


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
    except tasks.OPERATIONAL_ERRORS as err:
        return tasks.failed(err)
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
        tasks.run_logger().info("%d document version(s) not read again: their raw files were pruned "
                                "by retention (DARIEN_KEEP_RAW_DAYS)", len(pruned))
        todo = [row for row in todo if row.pruned_at is None]
    if not todo:
        return
    run_id = str(flow_run.id) if flow_run.id else None
    progress.expect(len(todo))
    n = max(1, cfg.workers)
    queue, taking, writing, stop = iter(enumerate(todo)), threading.Lock(), threading.Lock(), threading.Event()
    outcomes: dict[int, DocumentOutcome] = {}
    with transform.ParserPool(n, cfg.parse_timeout_s) as parsers, \
            expectations.ValidatorPool(n, gx_dir=cfg.gx_dir, docs_dir=cfg.docs_dir,
                                       jump_factor=cfg.jump_factor) as validators:
        lanes = Lanes(cfg, parsers, validators, writing, run_id, years)

        def lane() -> None:
            while not stop.is_set():
                with taking:
                    i, row = next(queue, (None, None))
                if row is None:
                    return
                try:
                    state = document(lanes, row, _label(row), return_state=True)
                    outcome = state.result(raise_on_failure=False)
                    if isinstance(outcome, BaseException):
                        raise outcome
                except BaseException:
                    stop.set()  # an operational error ends the run: the other lanes stop too
                    raise
                if outcome is not None:
                    outcomes[i] = outcome
                progress.advance(_label(row))

        # Each lane runs in the flow run's context, so the task it calls belongs to this run.
        with ThreadPoolExecutor(n) as pool:
            for running in [pool.submit(copy_context().run, lane) for _ in range(n)]:
                running.result()
    summary.outcomes += [outcomes[i] for i in sorted(outcomes)]


@dataclass(frozen=True)
class Lanes:
    """What every document of a run shares: settings, worker pools, the warehouse's write lock."""

    cfg: Settings
    parsers: transform.ParserPool
    validators: expectations.ValidatorPool
    writing: threading.Lock
    run_id: str | None
    years: range | None


@task(name="document", cache_policy=NONE, task_run_name="document {name}")
def document(lanes: Lanes, row, name: str):
    """One document: parsed and validated in the worker pools, then published or quarantined.

    One task run per document (a run per stage cost ~80 ms of the API each). It ends Failed,
    with the one-line reason, when the document is quarantined or fails; None if the
    document turns out to be of a year outside the run's.
    """
    cfg, writing = lanes.cfg, lanes.writing
    try:
        path = tasks.raw_file(cfg, row)
    except tasks.RawFileLost as err:
        with writing:
            if row.status == "skipped":  # no Darién document then, and its source has it no more
                return tasks.still_skipped(cfg, row)
            return _ended(tasks.record_failure(cfg, row.url, row.sha256, str(err)))
    try:
        batch = lanes.parsers.submit(path, source_url=row.url, sha256=row.sha256).result()
        if lanes.years is not None and batch.year not in lanes.years:
            return None
        batch.first_seen_at = row.first_seen_at
        verdict = lanes.validators.submit(batch).result()
    except transform.NotDarien as err:
        with writing:
            return tasks.record_skipped(cfg, row, str(err))
    except (transform.ParseError, expectations.ValidationCrashed) as err:
        with writing:
            return _ended(tasks.record_failure(cfg, row.url, row.sha256, str(err)))
    with writing:
        if not verdict.success:
            return _ended(tasks.quarantine(cfg, batch, verdict))
        try:
            return _ended(tasks.publish(cfg, batch, verdict, lanes.run_id))
        except load.WarehouseError as err:  # still failing after publish's retry: this document fails
            return _ended(tasks.record_failure(cfg, batch.source_url, batch.source_sha256, str(err)))


def _ended(outcome: DocumentOutcome):
    """The document task's end: the outcome, in a Failed state if the document did not load."""
    if outcome.status in ("quarantined", "failed"):
        return Failed(message=f"{outcome.status}: {outcome.reason}", data=outcome)
    return outcome


def _label(row) -> str:
    return f"{row.year} ({row.sha256[:6]})" if row.year else row.sha256[:6]


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
