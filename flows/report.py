"""What a run shows in the Prefect UI: artifacts built from the run's summary."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact

from darien.config import Settings
from flows.tasks import RunSummary


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
            f"| {o.url} ({(o.sha256 or '')[:6]}) | {o.year or ''} | {o.status} "
            f"| {o.inserted} | {o.updated} | {o.deleted} | {note} |"
        )
    return "\n".join(lines)


def publish_artifacts(cfg: Settings, summary: RunSummary) -> None:
    """Attach the run's summary and documents table to the flow run."""
    body = "\n\n".join(
        ["\n".join(f"- {line}" for line in summary.lines() + summary.warnings), documents_table(summary)]
    )
    create_markdown_artifact(key="documents", markdown=body, description="Documents of this run")
