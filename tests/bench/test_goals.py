"""The bench's publish goal is the baseline's own cost per cell, read from the tables a publish writes."""

from __future__ import annotations

import load.schema as schema
from bench.cases import PUBLISH_GOAL


def test_the_publish_goal_is_the_bare_insert_s_cost_per_cell():
    """A publish writes a row into the version rows, the current table and history; the baseline
    writes it into one table shaped as the current one (bench.cases.create_baseline)."""
    written = (len(schema.version_rows.c), len(schema.transit.c), len(schema.history.c))

    assert written == (11, 17, 20)
    assert PUBLISH_GOAL == round(len(schema.transit.c) / sum(written), 2) == 0.35
