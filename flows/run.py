"""The run frame every flow shares: the warehouse lock around its stages, its summary, and how it ends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from prefect import get_run_logger

import load
from darien.config import Settings
from darien.contract import UnknownTable, published_name


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


OPERATIONAL_ERRORS = (load.WarehouseLocked, load.WarehouseError)


def locked_run(cfg: Settings, stages: Callable[[RunSummary], None],
               then: Callable[[Settings, RunSummary], None]):
    """Run a flow's `stages` under the warehouse lock, `then` its last step (the artifacts) after it;
    the flow's final state.

    The state is the summary (Completed), a Completed state named Warning when the checks warn,
    or Failed in one line on an operational error (the lock held, the warehouse unreachable).
    """
    summary = RunSummary(warehouse=load.safe_url(cfg.warehouse))
    try:
        # kept_open: each task below connects on its own, without reading a DuckDB file anew.
        with load.run_lock(cfg.warehouse, wait_s=cfg.lock_wait_s), load.kept_open(cfg.warehouse):
            stages(summary)
    except OPERATIONAL_ERRORS as err:
        return failed(err)
    then(cfg, summary)
    return final_state(summary)


def final_state(summary: RunSummary):
    """The flow's return value: the summary, in a Completed state named "Warning" when there are warnings."""
    if not summary.warnings:
        return summary
    from prefect.states import Completed

    return Completed(name="Warning", message=f"{len(summary.warnings)} warning(s): {summary.warnings[0]}",
                     data=summary)


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
