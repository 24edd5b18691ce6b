"""The deployments a Prefect server runs: `nightly` on a schedule, `backfill` on demand."""

from __future__ import annotations

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from darien.config import ConfigError, nightly_cron
from flows.backfill import backfill
from flows.nightly import nightly

TIMEZONE = "America/Panama"


def nightly_schedule() -> Cron:
    """The nightly's schedule from DARIEN_NIGHTLY_CRON; ConfigError (exit 2) if it is not a cron expression."""
    cron = nightly_cron()
    try:
        return Cron(cron, timezone=TIMEZONE)
    except ValueError:
        raise ConfigError(f"DARIEN_NIGHTLY_CRON={cron!r} is not a cron expression "
                          "(five fields, e.g. '0 2 * * *')") from None


def schedule_words(schedule: Cron) -> str:
    """The nightly's schedule in words, with its time zone: `nightly at 02:00 America/Panama` (any other cron as it is).

    The UI shows the cron as "At 02:00 AM every day" without its zone, and the next run in the
    browser's time; the description says which clock the schedule keeps.
    """
    minute, hour, *rest = schedule.cron.split()
    if minute.isdigit() and hour.isdigit() and rest == ["*", "*", "*"]:
        return f"nightly at {int(hour):02d}:{int(minute):02d} {schedule.timezone}"
    return f"nightly on cron '{schedule.cron}' ({schedule.timezone})"


def deployments(work_pool: str | None = None) -> list:
    """Both deployments; with `work_pool`, for workers of that pool instead of `serve`."""
    # By module path, not file path: a runner that loads flows/nightly.py as a script puts
    # flows/ first on sys.path; the installed package imports the same from any folder.
    pool = dict(work_pool_name=work_pool) if work_pool else {}
    schedule = nightly_schedule()
    return [
        nightly.to_deployment(
            name="nightly",
            schedule=schedule,
            entrypoint_type=EntrypointType.MODULE_PATH,
            description=f"Crawl the SNM sources and publish what changed; {schedule_words(schedule)} "
                        "(DARIEN_NIGHTLY_CRON).",
            tags=["darien"],
            **pool,
        ),
        backfill.to_deployment(
            name="backfill",
            parameters={"from_year": 2021, "to_year": 2024, "force": False},
            entrypoint_type=EntrypointType.MODULE_PATH,
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
