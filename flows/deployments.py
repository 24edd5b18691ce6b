"""The deployments a Prefect server runs: `nightly` on a schedule, `backfill` on demand."""

from __future__ import annotations

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from flows.backfill import backfill
from flows.nightly import nightly

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "America/Panama"


def deployments(work_pool: str | None = None) -> list:
    """Both deployments; with `work_pool`, for workers of that pool instead of `serve`."""
    # Workers import the flows from the installed package, wherever they run.
    pool = dict(work_pool_name=work_pool, entrypoint_type=EntrypointType.MODULE_PATH) if work_pool else {}
    return [
        nightly.to_deployment(
            name="nightly",
            schedule=Cron(NIGHTLY_CRON, timezone=TIMEZONE),
            description="Crawl the SNM sources and publish what changed.",
            tags=["darien"],
            **pool,
        ),
        backfill.to_deployment(
            name="backfill",
            parameters={"from_year": 2021, "to_year": 2024, "force": False},
            description="Publish a range of years from a source; force re-processes loaded documents.",
            tags=["darien"],
            **pool,
        ),
    ]


def register(work_pool: str) -> list:
    """Register both deployments for the workers of `work_pool`; returns their ids."""
    return [d.apply(work_pool_name=work_pool) for d in deployments(work_pool)]


def serve() -> None:
    """Register both deployments with the server PREFECT_API_URL names and run them here."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(), pause_on_shutdown=False)
