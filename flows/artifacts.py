"""What a run shows in the Prefect UI: artifacts built from the run's summary and the warehouse."""

from __future__ import annotations

import base64
from pathlib import Path

import sqlalchemy as sa
from prefect.artifacts import create_markdown_artifact

import extract
import load
import report
from darien.config import Settings
from darien.contract import published_name, shown_url
from flows.run import RunSummary
from operations.unknown_tables import kept_paths
from report.status import unknown_table_markdown


def documents_table(summary: RunSummary) -> str:
    """The run's documents as a markdown table."""
    lines = [
        "| document | year | status | inserted | updated | deleted | note |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for o in summary.outcomes:
        docs = f"[validation]({o.docs_url})" if o.docs_url else ""
        note = " ".join(filter(None, [o.reason, docs]))
        lines.append(
            f"| {shown_url(o.url)} ({(o.sha256 or '')[:6]}) | {o.year or ''} | {o.status} "
            f"| {o.inserted} | {o.updated} | {o.deleted} | {note} |"
        )
    return "\n".join(lines)


def unknown_tables(cfg: Settings, summary: RunSummary) -> str:
    """The tables the parser does not know in the run's documents: each one's title, where its rows are kept, and its rows."""
    parts = []
    for o in summary.outcomes:
        titles, with_rows = [t.title for t in o.unknown], [bool(t.rows) for t in o.unknown]
        for table, path in zip(o.unknown, kept_paths(cfg.data_dir, o.sha256 or "", titles, with_rows)):
            parts.append(f"**{published_name(o.url)}: {table.title}** (`{path}`)\n\n{unknown_table_markdown(table)}")
    return "\n\n".join(["### Tables the parser does not know", *parts]) if parts else ""


def publish_artifacts(cfg: Settings, summary: RunSummary) -> None:
    """Attach the run's documents, the warehouse's state, the latest figures and the chart to the run."""
    # kept_open: one opening of a DuckDB file for the queries below.
    with load.kept_open(cfg.warehouse), load.connected(cfg.warehouse) as engine:
        state = report.status(engine, present=extract.landing.listing(cfg.raw_dir), data_dir=cfg.data_dir)
        latest = report.latest_month(engine)
        chart = cfg.data_dir / "reports" / "transit_by_region.png"
        if summary.changed or not chart.exists():  # matplotlib alone costs a second
            report.chart(engine, chart)
        series = cfg.data_dir / "reports" / "series.png"
        if summary.changed or not series.exists():  # the series since 2010, when the figures changed
            publish_series(engine, series)
    head = "\n".join(f"- {line}" for line in summary.lines() + summary.warnings)
    create_markdown_artifact(key="documents", description="Documents of this run",
                             markdown=f"{head}\n\n{documents_table(summary)}\n\n{unknown_tables(cfg, summary)}".rstrip())
    create_markdown_artifact(key="warehouse-status", description="Loads, freshness and quarantine",
                             markdown=state.markdown())
    create_markdown_artifact(key="latest-figures", description="The newest month by region and country",
                             markdown=f"{latest}\n\n{chart_markdown(chart)}")


def series_markdown(engine: sa.Engine, chart: Path) -> str:
    """The `series` artifact: annual totals since 2010 (year, total, basis, months, source) and their chart.

    Draws the chart into `chart` (e.g. `<data_dir>/reports/series.png`): call it when the run
    changed the figures, or when that file is missing. Only reads the warehouse.
    """
    years = report.series.years(engine)
    report.series.chart(engine, chart, years)
    return (f"{report.series.markdown(engine, years)}\n\n"
            f"{chart_markdown(chart, 'annual transit by region since 2010')}")


def publish_series(engine: sa.Engine, chart: Path) -> None:
    """Attach the `series` artifact (series_markdown) to the current flow run."""
    create_markdown_artifact(key="series", description="Annual totals by region since 2010, with their sources",
                             markdown=series_markdown(engine, chart))


def chart_markdown(png: Path, what: str = "monthly transit by region") -> str:
    """The chart inside the markdown, as a data: URI, and where its file is.

    The UI's browser cannot open a path on the server's disk, and Prefect serves no files of
    ours; an image carried in the artifact itself is shown by the UI's markdown renderer.
    """
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (f"![{what[:1].upper()}{what[1:]}](data:image/png;base64,{data})\n\n"
            f"Chart file: `{png.resolve()}` ({what})")
