"""The nightly job: crawl the SNM sources, then parse, validate and publish what changed."""

from __future__ import annotations

from prefect import flow

from darien.config import settings
from darien.contract import PIPELINE_VERSION
from flows import documents, tasks
from flows.run import RunSummary, locked_run


@flow(name="nightly", log_prints=True)
def nightly(source: str | None = None, warehouse: str | None = None, data_dir: str | None = None) -> RunSummary:
    """Fetch what changed on the sources and publish every new document version."""
    cfg = settings(sources=source, warehouse_url=warehouse, data_dir=data_dir)

    def stages(summary: RunSummary) -> None:
        tasks.prepare_warehouse(cfg)
        fetched = tasks.crawl(cfg, summary)  # discover <source>, fetch <source>
        todo = documents.pending(cfg, PIPELINE_VERSION)
        documents.process(cfg, todo, summary, fetched)  # each: parse, validate, publish | quarantine
        tasks.after_documents(cfg, summary)  # reload dimensions, export, checks, retention

    return locked_run(cfg, stages, then=tasks.artifacts)
