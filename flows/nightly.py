"""The nightly job: crawl the SNM sources, then parse, validate and publish what changed."""

from __future__ import annotations

from prefect import flow

from darien.config import settings
from darien.contract import PIPELINE_VERSION
from flows import steps
from flows.outcomes import RunSummary


@flow(name="nightly", log_prints=True)
def nightly(source: str | None = None, warehouse: str | None = None, data_dir: str | None = None) -> RunSummary:
    """Fetch what changed on the sources and publish every new document version."""
    cfg = settings(sources=source, warehouse_url=warehouse, data_dir=data_dir)

    def work(summary: RunSummary) -> None:
        steps.crawl(cfg, summary)
        steps.process(cfg, steps.pending(cfg, PIPELINE_VERSION), summary)

    return steps.locked_run(cfg, work)
