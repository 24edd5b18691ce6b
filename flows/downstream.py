"""After a publish: exports for analysts, then the checks that tell the team the source went stale or changed."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

import load
from load import dimensions
from darien.config import Settings
from export import package
from operations import checks, retention
from flows.outcomes import RunSummary, run_logger

WARNING_EVENT = "darien.run.warning"


@task(name="after publish", cache_policy=NONE)
def after_publish(cfg: Settings, summary: RunSummary) -> list[str]:
    """Export the warehouse, compare it with SNM's published figures, check freshness; return the warnings.

    `summary.listed` (source -> documents it listed this run) lets a source that went quiet
    be named. Call it inside the run lock: it refreshes the dimension tables.
    """
    # A quiet night (nothing written) keeps the exports it has: writing them costs more than the crawl.
    stale = summary.changed or not (cfg.exports_dir / "datapackage.json").exists()
    engine = load.connect(cfg.warehouse)
    try:
        exported = None
        if stale:
            dimensions.refresh(engine)
            exported = package.write_exports(engine, cfg.exports_dir)
        warnings = checks.published_figure_warnings(engine)
        warnings += checks.freshness_warnings(engine, cfg.freshness_days)
        disagreements, revisions = checks.source_comparison_warnings(engine)
        warnings += disagreements
        if summary.listed:
            warnings += checks.silent_source_warnings(summary.listed,
                                                      load.ledger.known_count_by_source(engine))
        removed = retention.prune(cfg, retention.retention_policy())
        # The ledger says which raw files went on purpose, so that they are neither fetched
        # back nor reported missing.
        load.ledger.mark_pruned(engine, [p.name.split(".", 1)[0] for p in removed if p.parent == cfg.raw_dir])
    finally:
        engine.dispose()
    for path in removed:
        run_logger().info("retention: removed %s", path)
    for line in revisions:  # the re-publication against SNM's preliminary figures: expected, listed
        run_logger().info(line)
    summary.warnings.extend(warnings)
    if warnings:
        _announce(warnings)
    if exported is not None:
        create_markdown_artifact(
            key="exports", description="Open exports of this run",
            markdown=f"Exports in `{exported.folder.resolve()}`:\n\n"
                     + "\n".join(f"- `{name}`: {rows} rows" for name, rows in exported.rows.items()))
    return warnings


def _announce(warnings: list[str]) -> None:
    """A markdown artifact and an event per run with warnings, for a Prefect automation to alert on."""
    from prefect.events import emit_event

    create_markdown_artifact(key="warnings", description="Freshness and published-figure warnings",
                             markdown="\n".join(f"- {w}" for w in warnings))
    emit_event(event=WARNING_EVENT, resource={"prefect.resource.id": "darien.warehouse"},
               payload={"warnings": warnings})


def final_state(summary: RunSummary):
    """The flow's return value: the summary, in a Completed state named "Warning" when there are warnings."""
    if not summary.warnings:
        return summary
    from prefect.states import Completed

    return Completed(name="Warning", message=f"{len(summary.warnings)} warning(s): {summary.warnings[0]}",
                     data=summary)
