"""The run-level tasks, before and after the documents, each a thin wrapper over a stage package's plain functions.

Before: `prepare warehouse`, then per source `discover <source>` and `fetch <source>`. After:
`reload dimensions` and `export` (only when the run changed figures), `checks`, `retention`,
and `artifacts`. None caches its inputs (`cache_policy=NONE`): a rerun must really look at the
source and the warehouse again. The documents' own tasks are in `flows.documents`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import requests
from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import opaque

import extract
import load
from darien.config import Settings
from darien.contract import DocumentVersion, shown_url
from export import package
from flows import artifacts as run_artifacts
from flows.alerts import WARNING_EVENT
from flows.run import DocumentOutcome, RunSummary, failed, run_logger
from load import dimensions
from operations import checks as source_checks
from operations import retention as raw_retention


@task(name="prepare warehouse", task_run_name="prepare warehouse", cache_policy=NONE)
def prepare_warehouse(cfg: Settings) -> None:
    """Create or migrate the warehouse tables."""
    try:
        with load.connected(cfg.warehouse) as engine:
            load.ensure_schema(engine)
    except load.WarehouseError as err:
        # Expected (a DuckDB file held by another process): one line, not the task engine's traceback.
        return failed(err)


def crawl(cfg: Settings, summary: RunSummary) -> dict[str, PrefectFuture]:
    """Discover every source's documents and fetch those that changed; each source's `fetch` task run.

    The documents' `parse` task runs wait for their source's fetch, which draws the edge.
    """
    with load.connected(cfg.warehouse) as engine:
        latest = load.ledger.latest_by_url(engine)
    files = extract.landing.listing(cfg.raw_dir)
    previous = {url: replace(v, path=files.get(v.sha256)) for url, v in latest.items()}
    session = extract.make_session(min_interval=cfg.request_interval_s)
    fetched = {}
    for source in cfg.sources:
        try:
            links = discover(cfg, source, session)
        except extract.SourceError as err:  # one unreachable source does not stop the others
            summary.outcomes.append(DocumentOutcome(source, None, status="failed", reason=str(err)))
            continue
        summary.found += len(links)
        summary.listed[source] = len(links)
        # opaque: Prefect would otherwise walk every link and known version looking for futures.
        fetched[source] = fetch.submit(cfg, source, opaque(links), opaque(previous), session)
        summary.fetched += sum(v.fetch == "downloaded" for v in fetched[source].result())
    return fetched


@task(name="discover", task_run_name="discover {source}", cache_policy=NONE)
def discover(cfg: Settings, source: str, session: requests.Session) -> list[extract.Link]:
    """The documents one index page or folder lists. Retries live in the session (urllib3), per request."""
    return extract.discover(source, session=session, allowed_hosts=cfg.allowed_hosts)


@task(name="fetch", task_run_name="fetch {source}", cache_policy=NONE)
def fetch(cfg: Settings, source: str, links: list[extract.Link],
          previous: dict[str, DocumentVersion], session: requests.Session) -> list[DocumentVersion]:
    """Fetch what changed among one source's documents and record every attempt in the ledger.

    One task per source, not per document: a nightly mostly hears "not modified", and a
    Prefect task run per document would cost more than the requests themselves. Retries
    live in the session (urllib3), per request.
    """
    def one(link: extract.Link) -> DocumentVersion:
        return extract.fetch(link, previous.get(link.url), raw_dir=cfg.raw_dir, session=session,
                             allowed_hosts=cfg.allowed_hosts, max_bytes=cfg.max_document_bytes)

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(one, links))
    with load.connected(cfg.warehouse) as engine:
        load.ledger.record_fetches(engine, versions)
    logger = run_logger()
    for version in versions:
        if version.error:
            logger.warning(version.error)
        elif version.fetch == "downloaded":
            logger.info("downloaded %s (%s)", shown_url(version.url), (version.sha256 or "")[:6])
    return versions


def after_documents(cfg: Settings, summary: RunSummary) -> None:
    """The run's last steps inside the lock: dimensions and exports when figures changed, checks, retention.

    A quiet night (nothing written) keeps the exports it has: writing them costs more than the crawl.
    """
    if summary.changed or not (cfg.exports_dir / "datapackage.json").exists():
        reload_dimensions(cfg)
        export(cfg)
    summary.warnings.extend(checks(cfg, summary.listed))
    announce(summary)  # the documents' layout drift and the checks' warnings; the validation notes
    retention(cfg)


@task(name="reload dimensions", task_run_name="reload dimensions", cache_policy=NONE)
def reload_dimensions(cfg: Settings) -> None:
    """Refresh the dimension tables (countries, regions) from the published figures."""
    with load.connected(cfg.warehouse) as engine:
        dimensions.refresh(engine)


@task(name="export", task_run_name="export", cache_policy=NONE)
def export(cfg: Settings) -> None:
    """Write the open exports for analysts, and name them in an artifact."""
    with load.connected(cfg.warehouse) as engine:
        exported = package.write_exports(engine, cfg.exports_dir)
    create_markdown_artifact(
        key="exports", description="Open exports of this run",
        markdown=f"Exports in `{exported.folder.resolve()}`:\n\n"
                 + "\n".join(f"- `{name}`: {rows} rows" for name, rows in exported.rows.items()))


@task(name="checks", task_run_name="checks", cache_policy=NONE)
def checks(cfg: Settings, listed: dict[str, int]) -> list[str]:
    """Compare the warehouse with SNM's published figures, check freshness and quiet sources; the warnings.

    `listed` (source -> documents it listed this run) lets a source that went quiet be named.
    """
    with load.connected(cfg.warehouse) as engine:
        warnings = source_checks.published_figure_warnings(engine)
        warnings += source_checks.freshness_warnings(engine, cfg.freshness_days)
        disagreements, revisions = source_checks.source_comparison_warnings(engine)
        warnings += disagreements
        if listed:
            warnings += source_checks.silent_source_warnings(listed, load.ledger.known_count_by_source(engine))
    for line in revisions:  # the re-publication against SNM's preliminary figures: expected, listed
        run_logger().info(line)
    return warnings


def announce(summary: RunSummary) -> None:
    """The `warnings` artifact of a run with warnings or validation notes, and an event carrying
    every warning line when there are warnings, for the run-warning automation to alert on.

    Validation notes (month-over-month jumps) are for analysts: listed, never alerted.
    """
    if not summary.warnings and not summary.notes:
        return
    create_markdown_artifact(key="warnings", description="Run warnings (alerted) and validation notes",
                             markdown=warnings_markdown(summary))
    if summary.warnings:
        from prefect.events import emit_event

        emit_event(event=WARNING_EVENT, resource={"prefect.resource.id": "darien.warehouse"},
                   payload={"warnings": summary.warnings})


def warnings_markdown(summary: RunSummary) -> str:
    """The `warnings` artifact: two labelled lists, the run warnings (alerted) and the validation notes, a line each."""
    def listed(lines: list[str]) -> str:
        return "\n".join(f"- {line}" for line in lines) if lines else "- none"

    return (f"### run warnings (alerted)\n\n{len(summary.warnings)} warning(s), what the run-warning "
            f"alert sends when DARIEN_ALERT_WEBHOOK is set (layout drift, freshness, published figures, "
            f"sources gone quiet):\n\n"
            f"{listed(summary.warnings)}\n\n"
            f"### validation notes\n\n{len(summary.notes)} month-over-month change(s) beyond DARIEN_JUMP_FACTOR: "
            f"notes for analysts, not alerted; they stop no document from loading.\n\n{listed(summary.notes)}")


@task(name="retention", task_run_name="retention", cache_policy=NONE)
def retention(cfg: Settings) -> None:
    """Delete what the retention policy says is old, and mark pruned raw files in the ledger.

    The ledger says which raw files went on purpose, so that they are neither fetched back
    nor reported missing.
    """
    removed = raw_retention.prune(cfg, raw_retention.retention_policy())
    with load.connected(cfg.warehouse) as engine:
        load.ledger.mark_pruned(engine, [p.name.split(".", 1)[0] for p in removed if p.parent == cfg.raw_dir])
    for path in removed:
        run_logger().info("retention: removed %s", path)


@task(name="artifacts", task_run_name="artifacts", cache_policy=NONE)
def artifacts(cfg: Settings, summary: RunSummary) -> None:
    """Attach the run's documents, the warehouse's state, the latest figures and the charts to the run."""
    run_artifacts.publish_artifacts(cfg, summary)
