"""A run's documents: each a chain of stage tasks, `parse → validate → publish` (or `quarantine`).

Each stage is a Prefect task over a stage package's plain functions, named by the document's
published file name (and its years, once parsed). Parsing and validation run in pools of
long-lived worker processes (the parsers import neither Prefect nor Great Expectations, the
validators no Prefect); their tasks wait on the pools. Every ledger write and every publish
happens one at a time under the run's write lock, as a warehouse has one writer, and a
`publish` or `quarantine` task starts only once the one before it ended.

Layout drift (a table the parser does not know, a breakdown a new version no longer gives) is a
run warning in the run that first processes a version, and only listed in the log after.

`DARIEN_WORKERS` documents are in flight at once, on Prefect's ThreadPoolTaskRunner. A
document's next stage is submitted only once its previous one Completed, so a document that
fails at a stage runs no later one and the others go on.
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import task
from prefect.cache_policies import NONE
from prefect.runtime import flow_run
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import allow_failure, opaque

import extract
import load
import transform
from darien.config import Settings
from darien.contract import PIPELINE_VERSION, Batch, published_name, shown_url
from flows import alerts, progress
from flows.run import DocumentOutcome, RunSummary, run_logger
from load import drift
from operations.unknown_tables import keep_unknown_tables

if TYPE_CHECKING:  # imported where a run has documents: it imports pandas (0.4 s), which a quiet nightly never needs
    import expectations


@dataclass(frozen=True)
class Shared:
    """What every document of a run shares: settings, worker pools, the warehouse's write lock."""

    cfg: Settings
    parsers: transform.ParserPool
    validators: expectations.ValidatorPool
    writing: threading.Lock
    run_id: str | None
    years: range | None


# The stages. Each returns what the next one takes, or ends the document's chain: a
# DocumentOutcome (Failed when the document did not load), or None (nothing to report).

@task(name="parse", task_run_name="parse {name}", cache_policy=NONE)
def parse(shared: Shared, row, name: str):
    """Read a document version's raw file in a parser worker: its Batch, or why it ends here."""
    cfg = shared.cfg
    try:
        path = raw_file(cfg, row)
    except RawFileLost as err:
        with shared.writing:
            if row.status == "skipped":  # no Darién document then, and its source has it no more
                record(cfg, DocumentOutcome(row.url, row.sha256, None, "skipped", row.error))
                return Completed(message=f"skipped: {row.error}", data=None)
            return ended(cfg, DocumentOutcome(row.url, row.sha256, row.year, "failed", str(err)), "parse")
    try:
        batch = shared.parsers.submit(path, source_url=row.url, sha256=row.sha256).result()
    except transform.NotDarien as err:
        with shared.writing:
            return skipped(cfg, row, str(err))
    except transform.ParseError as err:
        status = "quarantined" if err.quarantine else "failed"  # bad figures, not a bad file: held for an operator
        with shared.writing:
            return ended(cfg, DocumentOutcome(row.url, row.sha256, row.year, status, str(err)), "parse")
    # A document spanning years (the re-publication) is taken whole when any of them is in range.
    if shared.years is not None and not set(batch.years) & set(shared.years):
        return Completed(message=f"outside the years {shared.years[0]}–{shared.years[-1]}: "
                                 f"{years_of(batch)}", data=None)
    batch.first_seen_at = row.first_seen_at
    if batch.unknown:  # its printed rows, for a person to read before the parser knows the table
        keep_unknown_tables(cfg.data_dir, batch.source_sha256, batch.unknown)
    return batch


@task(name="validate", task_run_name="validate {name}", cache_policy=NONE)
def validate(shared: Shared, batch: Batch, accepted: bool, name: str):
    """Judge a batch in a validator worker: its Verdict, Failed naming the first failed expectation if the gate fails."""
    import expectations

    with shared.writing:  # the warehouse is read and written by one document at a time
        previous = held_against(shared.cfg, batch)
    try:
        verdict = shared.validators.submit(batch, previous=previous, accepted=accepted).result()
    except expectations.ValidationCrashed as err:
        with shared.writing:
            return ended(shared.cfg, DocumentOutcome(batch.source_url, batch.source_sha256, batch.year,
                                                     "failed", str(err)), "validate")
    if not verdict.success:
        docs = f" (Data Docs: {shown_url(verdict.docs_url)})" if verdict.docs_url else ""
        return Failed(message=f"{verdict.failures[0]}{docs}", data=verdict)
    return verdict


@task(name="quarantine", task_run_name="quarantine {name}", cache_policy=NONE)
def quarantine(shared: Shared, batch: Batch, verdict, name: str) -> DocumentOutcome:
    """Keep a batch that failed the gate and its report aside, and mark it quarantined in the ledger."""
    import expectations

    with shared.writing:
        with load.connected(shared.cfg.warehouse) as engine:
            lines, warn = layout_drift(engine, batch, publishing=False)
        folder = expectations.quarantine(batch, verdict, shared.cfg.quarantine_dir)
        outcome = DocumentOutcome(batch.source_url, batch.source_sha256, batch.year, "quarantined",
                                  verdict.failures[0], docs_url=verdict.docs_url, unknown=batch.unknown,
                                  warnings=lines if warn else [], stage="validate",
                                  notes=validation_notes(batch, verdict), failed_checks=failed_checks(verdict),
                                  offending=list(verdict.offending))
        record(shared.cfg, outcome, batch=batch, validation=verdict.summary)
    run_logger().error("%s; kept in %s", failure_line(outcome), folder)
    log_drift(lines, warn)
    log_notes(outcome.notes)
    alerts.announce_document(outcome)
    return outcome


@task(name="publish", task_run_name="publish {name}", cache_policy=NONE)
def publish(shared: Shared, batch: Batch, verdict, name: str):
    """Publish a validated batch in one transaction, retried once after 2 s if the connection was lost.

    A publish that fails applied nothing (one transaction): retrying it is safe, and covers
    a connection dropped by a restarting server. No Prefect retries: the same bytes give the same answer.
    """
    cfg = shared.cfg
    with shared.writing:
        for attempt in (1, 2):
            try:
                with load.connected(cfg.warehouse) as engine:
                    # Before publishing, which writes what drift compares with: the ledger's record, the slices.
                    lines, warn = layout_drift(engine, batch, publishing=True)
                    stats = load.publish(engine, batch, flow_run_id=shared.run_id,
                                         validation=verdict.summary, docs_url=verdict.docs_url)
                break
            except load.WarehouseError as err:
                if attempt == 2:  # still failing after the retry: this document fails
                    return ended(cfg, DocumentOutcome(batch.source_url, batch.source_sha256, batch.year,
                                                      "failed", str(err)), "publish")
                run_logger().warning("%s; publishing again in 2 s", err)
                time.sleep(2)
    log_drift(lines, warn)
    for accepted in verdict.summary.get("accepted", []):  # an operator's --accept: named in the run
        run_logger().warning("%s published as accepted (sha256 %s): %s", shown_url(batch.source_url),
                             batch.source_sha256[:12], accepted)
    notes = validation_notes(batch, verdict)
    log_notes(notes)
    return DocumentOutcome(batch.source_url, batch.source_sha256, batch.year, "loaded",
                           inserted=stats.inserted, updated=stats.updated, deleted=stats.deleted,
                           docs_url=verdict.docs_url, unknown=batch.unknown, warnings=lines if warn else [],
                           notes=notes)


WRITERS = (publish, quarantine)  # the stages that write the warehouse, one at a time


def layout_drift(engine, batch: Batch, *, publishing: bool) -> tuple[list[str], bool]:
    """A version's layout drift, a line each: the tables the parser does not know and, before a publish,
    the breakdowns its year's SNM figures have that it lacks; and whether this run warns of them.

    Only the run that first processes a version warns; a later one (a reprocess, a forced backfill, a
    new pipeline version) finds its unknown tables in the ledger and lists them. Call it before the
    version's outcome is recorded.
    """
    lines = drift.unknown_table_warnings(batch)
    if publishing:  # [] for the re-publication's R data and annual-only documents
        lines += drift.missing_breakdown_warnings(engine, batch)
    return lines, bool(lines) and not drift.drift_recorded(engine, batch)


def validation_notes(batch: Batch, verdict) -> list[str]:
    """The verdict's notes for analysts (each month-over-month jump beyond DARIEN_JUMP_FACTOR), a line each naming the document."""
    name = published_name(batch.source_url) or batch.source_url
    return [f"{name}: {note}" for note in verdict.warnings]


def log_notes(notes: list[str]) -> None:
    """Log every validation note of a document, at WARNING: none stops it from loading, and none is alerted."""
    for note in notes:
        run_logger().warning("validation note: %s", note)


def failed_checks(verdict) -> list[str]:
    """The expectations a quarantined batch failed, a line each: suite, expectation, column and how many rows."""
    found = []
    for suite, result in verdict.summary.get("suites", {}).items():
        for e in result.get("expectations", []):
            if not e["success"] and e["severity"] == "critical":
                column = f" on {e['column']}" if e["column"] else ""
                rows = e["unexpected_count"]
                found.append(f"{suite}: {e['type']}{column} ({rows} row{'s' if rows != 1 else ''})")
    erased = verdict.summary.get("continuity") or []
    if erased and not verdict.summary.get("accepted"):  # no GX suite: the version loaded before from its URL
        found.append(f"continuity with the version loaded before: {len(erased)} line(s)")
    return found


def failure_line(outcome: DocumentOutcome) -> str:
    """The one log line of a document that did not load: its published name, its status, the stage, why."""
    return f"{outcome.name} {outcome.status} at {outcome.stage}: {outcome.why}"


def log_drift(lines: list[str], warn: bool) -> None:
    """Log a version's layout drift in the run: as warnings in the first run of the version, at INFO after."""
    for line in lines:
        if warn:
            run_logger().warning(line)
        else:
            run_logger().info("%s (recorded for this version before: not warned of again)", line)


# The chains.

def process(cfg: Settings, todo: list, summary: RunSummary, fetched: dict | None = None,
            years: range | None = None) -> None:
    """Parse, validate and publish `todo` (ledger rows), `cfg.workers` documents at a time.

    `fetched` (source -> its `fetch` future) makes each document's parse wait for its
    source's fetch; `years` ends the documents of other years at parse (a backfill's range).
    An operational error raised by a stage ends the run once the stages in flight are done.
    """
    pruned = [row for row in todo if row.pruned_at is not None]
    if pruned:  # retention deleted their bytes on purpose: nothing to read, nothing wrong
        run_logger().info("%d document version(s) not read again: their raw files were pruned "
                          "by retention (DARIEN_KEEP_RAW_DAYS)", len(pruned))
        todo = [row for row in todo if row.pruned_at is None]
    if not todo:
        return
    progress.expect(len(todo))
    import expectations

    names = document_names(todo)
    n = max(1, min(cfg.workers, len(todo)))  # a worker idle for the whole run would only hold memory
    run_logger().info("%d document(s) to parse, validate and publish, %d at a time (DARIEN_WORKERS=%d)",
                      len(todo), n, cfg.workers)
    with transform.ParserPool(n, cfg.parse_timeout_s) as parsers, \
            expectations.validators(n, gx_dir=cfg.gx_dir, docs_dir=cfg.docs_dir,
                                    jump_factor=cfg.jump_factor) as validators, \
            ThreadPoolTaskRunner(max_workers=n) as runner:
        shared = Shared(cfg, parsers, validators, threading.Lock(),
                        str(flow_run.id) if flow_run.id else None, years)
        done: queue.Queue = queue.Queue()
        waiting, running, ends = iter(enumerate(todo)), {}, {}
        # A stage that writes the warehouse (publish, quarantine) starts once the one before it
        # ended: it would wait for the write lock anyway, and the run graph shows the writes one
        # after the other, as they happen.
        to_write: deque[functools.partial] = deque()

        def submit(stage, i, after, **values) -> None:
            """Submit a document's next stage; it lists `after` (the task run before it) among its inputs."""
            row = todo[i]
            name = names[row.url, row.sha256]
            if stage is not parse:
                name = stage_name(values["batch"], name)
            future = runner.submit(stage, {"shared": opaque(shared), "name": name,
                                           **{k: opaque(v) for k, v in values.items()}},
                                   wait_for=[allow_failure(after)] if after is not None else None)
            running[future.task_run_id] = i, values.get("batch"), stage
            future.add_done_callback(done.put)

        def writing() -> bool:
            return any(stage in WRITERS for _, _, stage in running.values())

        def start_next() -> None:
            i, row = next(waiting, (None, None))
            if row is not None:
                submit(parse, i, (fetched or {}).get(row.source), row=row)

        for _ in range(n):
            start_next()
        while running:
            future = done.get()
            i, batch, stage = running.pop(future.task_run_id)
            row = todo[i]
            result = future.result(raise_on_failure=False)
            if isinstance(result, BaseException):  # not a document's fault (the warehouse gone): the run ends
                raise result
            if stage in WRITERS and to_write:  # the warehouse is free: the next waiting write starts
                to_write.popleft()()
            if isinstance(result, Batch):
                submit(validate, i, future, batch=result, accepted=row.accepted_at is not None)
            elif isinstance(result, expectations.Verdict):
                write = functools.partial(submit, publish if result.success else quarantine, i, future,
                                          batch=batch, verdict=result)
                if writing():
                    to_write.append(write)
                else:
                    write()
            else:  # the chain's end: an outcome, or None (nothing to report)
                ends[i] = result
                progress.advance(names[row.url, row.sha256])
                start_next()
    outcomes = [ends[i] for i in sorted(ends) if ends[i] is not None]
    summary.outcomes += outcomes
    summary.warnings += [line for outcome in outcomes for line in outcome.warnings]  # layout drift, first
    summary.notes += [line for outcome in outcomes for line in outcome.notes]


def document_names(rows: list) -> dict[tuple[str, str], str]:
    """How each document's task runs are named: its published file name, with a short hash when the run holds that name twice."""
    base = {(r.url, r.sha256): published_name(r.url) or r.url for r in rows}
    twice = {name for name, count in Counter(base.values()).items() if count > 1}
    return {key: f"{name} ({key[1][:6]})" if name in twice else name for key, name in base.items()}


def stage_name(batch: Batch, document: str) -> str:
    """A parsed document's stage, as its task run is named after the stage: `2022: <document>`.

    In ASCII around the document's name: the UI's run graph draws ASCII only, and showed
    `2010–2025 · x.rda` as `20102025  x.rda`.
    """
    return f"{years_of(batch)}: {document}"


def years_of(batch: Batch) -> str:
    """The years a batch gives figures for, as a task run shows them: `2022`, or `2010-2025` for the re-publication."""
    years = batch.years or ([batch.year] if batch.year else [])
    if not years:
        return "no year"
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


# What the stages write: the ledger, under the write lock.

def record(cfg: Settings, outcome: DocumentOutcome, *, batch: Batch | None = None,
           validation: dict | None = None) -> None:
    """Write a document's outcome to the ledger (its status and reason)."""
    with load.connected(cfg.warehouse) as engine, engine.begin() as conn:
        load.ledger.record_outcome(conn, outcome.url, outcome.sha256, outcome.status, reason=outcome.reason,
                                   batch=batch, validation=validation, docs_url=outcome.docs_url,
                                   pipeline_version=PIPELINE_VERSION)


def ended(cfg: Settings, outcome: DocumentOutcome, stage: str):
    """Record a document that did not load at `stage`, log its one line, and end the stage Failed with its reason."""
    outcome.stage = stage
    record(cfg, outcome)
    run_logger().error("%s", failure_line(outcome))
    alerts.announce_document(outcome)
    return Failed(message=f"{outcome.status}: {outcome.reason}", data=outcome)


def skipped(cfg: Settings, row, reason: str):
    """Mark a file that is no Darién transit document as skipped, and keep none of its bytes."""
    outcome = DocumentOutcome(row.url, row.sha256, None, "skipped", reason)
    record(cfg, outcome)
    with load.connected(cfg.warehouse) as engine:
        still_needed = bool(load.ledger.kept(engine, row.sha256))
    if not still_needed:  # the same bytes may be a kept version under another URL
        extract.landing.discard(cfg.raw_dir, row.sha256)
    run_logger().info("skipped %s: %s", published_name(row.url) or row.url, reason)
    return Completed(message=f"skipped: {reason}", data=outcome)


def held_against(cfg: Settings, batch: Batch):
    """The per-year totals a new version of the re-publication must keep: its URL's version published before it (None if none)."""
    if batch.source_kind != "republication":  # SNM revises its own files in place: each version stands alone
        return None
    with load.connected(cfg.warehouse) as engine:
        before = load.previous_version(engine, batch.source_url, batch.source_sha256)
    import expectations

    return None if before is None else expectations.year_totals(before)


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


# Which documents a run takes.

def pending(cfg: Settings, pipeline_version: str | None, years: range | None = None) -> list:
    """Ledger rows to process: new or re-versioned ones, or every stored one (None: force)."""
    with load.connected(cfg.warehouse) as engine:
        rows = load.ledger.stored(engine) if pipeline_version is None else load.ledger.pending(engine, pipeline_version)
        spanning = load.ledger.holding_years(engine, years) if years is not None else set()
    if years is not None:  # by the newest year the ledger knows, or every year the version published
        rows = [r for r in rows if r.year is None or r.year in years or r.sha256 in spanning]
    # Publish oldest years first so a backfill advances one year after the other.
    return sorted(rows, key=lambda r: (r.year or 0, str(r.first_seen_at), r.sha256))


def accept(cfg: Settings, prefixes: list[str]) -> None:
    """Record an operator's acceptance of the stored versions whose sha256 starts with one of `prefixes`."""
    chosen = {r.sha256 for r in selected(cfg, prefixes, False)}
    with load.connected(cfg.warehouse) as engine:
        load.ledger.accept(engine, sorted(chosen))


def selected(cfg: Settings, prefixes: list[str], quarantined: bool) -> list:
    """Stored versions whose sha256 starts with one of `prefixes`, plus the quarantined/failed ones."""
    with load.connected(cfg.warehouse) as engine:
        rows = load.ledger.stored(engine)
    unknown = [p for p in prefixes if not any(r.sha256.startswith(p) for r in rows)]
    if unknown:
        raise LookupError(f"no stored document version with sha256 {', '.join(unknown)}")
    return [r for r in rows if any(r.sha256.startswith(p) for p in prefixes)
            or (quarantined and r.status in ("quarantined", "failed"))]
