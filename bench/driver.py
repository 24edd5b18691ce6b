"""What a benchmark subprocess runs: the `darien` CLI, or a bare Prefect flow as its baseline.

    python -m bench.driver darien run|backfill ...   the CLI, exactly as `darien` runs it
    python -m bench.driver bare                      a flow with one no-op task

Settings come from the environment bench.run gives each case (bench.run.SETTINGS): there
the crawler's pacing is off, and the floor it adds on the real site (one second per request)
is reported beside the table, not measured.
"""

from __future__ import annotations

import sys


def bare() -> int:
    from prefect import flow, task

    @task
    def nothing() -> None:
        return None

    @flow(name="bare")
    def empty() -> None:
        nothing()

    empty()
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["bare"]:
        return bare()
    if argv[:1] == ["darien"]:
        from cli import main as darien

        return darien(argv[1:])
    print(f"bench.driver: unknown command {argv[:1]}; use 'darien ...' or 'bare'", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
