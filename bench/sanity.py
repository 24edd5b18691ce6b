"""What a bench run must have done for its timings to mean anything.

A case that failed quietly is fast: a backfill that loaded nothing, a nightly that fetched
everything again, a publish step that was never timed. `problems` reads the run's rows and
publish steps and names each such case; `bench.run` prints them and exits 1, quick run or full.
"""

from __future__ import annotations

import math
import re

from bench.harness import Row

BACKFILL = re.compile(r"documents: (\d+) found, \1 new or changed, \1 loaded, 0 quarantined, 0 failed")
NIGHTLY = re.compile(r"documents: \d+ found, 0 new or changed, 0 loaded, 0 quarantined, 0 failed")


def problems(rows: list[Row], publish_steps: dict[str, dict]) -> list[str]:
    """One line per case whose work did not happen as it claims; none when the run is sound."""
    found = [f"{r.case}: no ratio ({r.ratio!r})" for r in rows
             if r.ratio is None or not math.isfinite(r.ratio) or r.ratio <= 0]
    for row in rows:
        if row.case.startswith("backfill") and not BACKFILL.match(row.note):
            found.append(f"{row.case}: the backfill did not load every document it found ({row.note!r})")
        if row.case.startswith("nightly") and not NIGHTLY.match(row.note):
            found.append(f"{row.case}: the nightly did not find every document unchanged ({row.note!r})")
    for db, runs in publish_steps.items():
        found += [f"publish steps on {db}: {line}" for line in _step_problems(runs)]
    return found


def _step_problems(runs: dict[str, dict]) -> list[str]:
    """A publish writes current rows and history; the same figures again only give current rows new lineage."""
    found = []
    for what in ("publish", "republish"):
        steps = runs.get(what)
        if steps is None:
            found.append(f"no {what} was timed")
            continue
        total = steps["total_s"]
        if not 0 < steps.get("_stage", 0) < total:
            found.append(f"{what}: staging took {steps.get('_stage')} s of {total} s")
        if sum(steps.get(name, 0) for name in ("touch", "tops", "rank", "_stage")) >= total:
            found.append(f"{what}: its timed steps add up to more than the publish")
    publish, republish = runs.get("publish", {}), runs.get("republish", {})
    if not (publish.get("writes darien_transit", 0) > 0 and publish.get("writes darien_transit_history", 0) > 0):
        found.append("the first publish wrote no current rows or no history")
    if republish.get("writes darien_transit", 0) <= 0 or "writes darien_transit_history" in republish:
        found.append("the same figures again did not write current rows alone")
    if "compare" in publish or republish.get("compare", 0) <= 0:
        found.append("only the republish compares figures with those it replaces")
    return found
