"""Backfill: load a range of years from a source, one year at a time, idempotently."""

from __future__ import annotations

from prefect import flow

from darien.config import settings
from darien.contract import PIPELINE_VERSION
from flows import documents, tasks
from flows.run import RunSummary, locked_run


@flow(name="backfill", log_prints=True)
def backfill(
    from_year: int,
    to_year: int,
    source: str | None = None,
    force: bool = False,
    warehouse: str | None = None,
    data_dir: str | None = None,
) -> RunSummary:
    """Crawl `source`, then publish the documents of from_year..to_year (all of them with `force`)."""
    cfg = settings(sources=source, warehouse_url=warehouse, data_dir=data_dir)
    years = range(from_year, to_year + 1)

    def stages(summary: RunSummary) -> None:
        tasks.prepare_warehouse(cfg)
        fetched = tasks.crawl(cfg, summary)  # discover <source>, fetch <source>
        todo = documents.pending(cfg, None if force else PIPELINE_VERSION, years)
        documents.process(cfg, todo, summary, fetched, years)  # each: parse, validate, publish | quarantine
        tasks.after_documents(cfg, summary)  # reload dimensions, export, checks, retention

    return locked_run(cfg, stages, then=tasks.artifacts)
