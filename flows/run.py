"""The run frame every flow shares: the warehouse lock around its stages, its summary, and how it ends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prefect import get_run_logger

import load
from darien.config import Settings
from darien.contract import UnknownTable, published_name, without_name


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
    unknown: list[UnknownTable] = field(default_factory=list)  # its tables the parser does not know, as printed
    warnings: list[str] = field(default_factory=list)  # its layout drift, in the run that first processed it
    stage: str | None = None  # where a document that did not load ended: parse, validate or publish
    notes: list[str] = field(default_factory=list)  # its validation notes (month-over-month jumps), each naming it
    failed_checks: list[str] = field(default_factory=list)  # quarantined by the gate: the expectations it failed
    offending: list[str] = field(default_factory=list)  # ... and up to five of the rows they found

    @property
    def name(self) -> str:
        """The document as people know it: its published file name (the URL when it has none)."""
        return published_name(self.url) or self.url

    @property
    def why(self) -> str:
        """Its reason without the file name a parse error's reason starts with (said once, before it)."""
        return without_name(self.reason or "", self.url)


@dataclass
class RunSummary:
    warehouse: str
    found: int = 0
    fetched: int = 0
    listed: dict[str, int] = field(default_factory=dict)  # source -> documents it listed
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # run warnings: alerted (darien.run.warning)
    notes: list[str] = field(default_factory=list)  # validation notes for analysts: listed, not alerted

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


OPERATIONAL_ERRORS = (load.WarehouseLocked, load.WarehouseError)


def locked_run(cfg: Settings, stages: Callable[[RunSummary], None],
               then: Callable[[Settings, RunSummary], None]):
    """Run a flow's `stages` under the warehouse lock, `then` its last step (the artifacts) after it;
    the flow's final state.

    The state is Prefect's own Completed (its message naming the warnings and the documents not
    loaded, if any: final_state), or Failed in one line on an operational error (the lock held,
    the warehouse unreachable). Each document that did not load is logged in one ERROR line of
    ours, besides Prefect's "Finished in state Failed(...)" (one_line_per_failure).
    """
    summary = RunSummary(warehouse=load.safe_url(cfg.warehouse))
    with one_line_per_failure():
        try:
            # kept_open: each task below connects on its own, without reading a DuckDB file anew.
            with load.run_lock(cfg.warehouse, wait_s=cfg.lock_wait_s), load.kept_open(cfg.warehouse):
                stages(summary)
        except OPERATIONAL_ERRORS as err:
            return failed(err)
        then(cfg, summary)
    return final_state(summary)


def final_state(summary: RunSummary):
    """The flow's return value: the summary, in a Completed state whose message names the warnings
    and the documents not loaded when there are any.

    Prefect's own state name, not one of ours: the UI's run lists filter on Prefect's names,
    and a run in a state named otherwise is listed nowhere by default.
    """
    message = state_message(summary)
    if message is None:
        return summary
    from prefect.states import Completed

    return Completed(message=message, data=summary)


def state_message(summary: RunSummary) -> str | None:
    """`Completed with 2 warnings: <first>; see the warnings artifact. 1 failed (x.pdf), 0 quarantined`;
    None for a run with neither warnings nor documents that did not load."""
    if not summary.warnings and not summary.problems:
        return None
    counts = ", ".join(f"{summary.count(status)} {status}{_named(summary, status)}"
                       for status in ("failed", "quarantined"))
    if not summary.warnings:
        return f"Completed: {counts}; see the documents artifact"
    n = len(summary.warnings)
    return (f"Completed with {n} warning{'s' if n > 1 else ''}: {summary.warnings[0]}; "
            f"see the warnings artifact. {counts}")


def _named(summary: RunSummary, status: str, shown: int = 3) -> str:
    """The documents of `status`, in parentheses after their count (the first `shown`)."""
    names = [o.name for o in summary.outcomes if o.status == status]
    if not names:
        return ""
    more = f", and {len(names) - shown} more" if len(names) > shown else ""
    return f" ({', '.join(names[:shown])}{more})"


class _NoStateRepr(logging.Filter):
    """Drops the task engine's `Task run failed with state: Failed(... data ...)` ERROR line of one flow run.

    Prefect 3's task engine logs it (prefect.task_runs, with exc_info=True while no exception is
    in flight, hence a "NoneType: None" under it) whenever a task returns a Failed state, which
    our stages do on purpose once they have logged the document's own line. Its
    `Finished in state Failed('<reason>')` line is kept.
    """

    PREFIX = "Task run failed with state: "

    def __init__(self, flow_run_id: str | None) -> None:
        super().__init__()
        self.flow_run_id = flow_run_id

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR or not str(record.msg).startswith(self.PREFIX):
            return True
        return self.flow_run_id is not None and getattr(record, "flow_run_id", None) != self.flow_run_id


@contextmanager
def one_line_per_failure() -> Iterator[None]:
    """Within the current flow run, keep Prefect's repr line of a task that returned Failed out of the logs."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    run_id = str(context.flow_run.id) if context and context.flow_run else None
    quiet = _NoStateRepr(run_id)
    logger = logging.getLogger("prefect.task_runs")
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # called with .fn() outside a run
        return logging.getLogger("flows")


def failed(err: Exception):
    """End a flow run (or task run) Failed with a one-line message (no traceback in the logs) carrying `err`."""
    from prefect.states import Failed

    run_logger().error("%s", err)
    return Failed(message=f"{type(err).__name__}: {err}", data=err)

