"""Reprocess: parse, validate and publish stored document versions again, e.g. after a fix."""

from __future__ import annotations

from prefect import flow

from darien.config import settings
from flows import documents, tasks
from flows.run import RunSummary, locked_run


@flow(name="reprocess")
def reprocess(
    sha256: list[str] | None = None,
    quarantined: bool = False,
    accept: list[str] | None = None,
    warehouse: str | None = None,
    data_dir: str | None = None,
) -> RunSummary:
    """Run the stored versions named by sha256 (or prefix), or every quarantined/failed one, again.

    Versions named by `accept` are run too, accepted: their regressions against the version of
    their URL loaded before them are recorded, not quarantined.
    """
    cfg = settings(warehouse_url=warehouse, data_dir=data_dir)

    def stages(summary: RunSummary) -> None:
        tasks.prepare_warehouse(cfg)
        if accept:
            documents.accept(cfg, accept)
        todo = documents.selected(cfg, [*(sha256 or []), *(accept or [])], quarantined)
        summary.found = len(todo)
        documents.process(cfg, todo, summary)  # no fetch: each chain starts at parse
        tasks.after_documents(cfg, summary)  # reload dimensions, export, checks, retention

    return locked_run(cfg, stages, then=tasks.artifacts)
