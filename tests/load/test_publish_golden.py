"""darien_transit and darien_transit_history after each publish sequence, against golden CSVs.

The golden files were written by the publish code of commit fae763f (before publishing became a
derivation, issue 14). Regenerate only on purpose: DARIEN_REGENERATE_PUBLISH_GOLDEN=1.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

import load
from darien.contract import PIPELINE_VERSION
from publish_sequences import sequences
from real_documents import SAMPLES

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "publish"
NAMES = ("prelim_final", "final_prelim", "three_012", "three_021", "three_102", "three_120",
         "three_201", "three_210", "reparsed_middle", "reparsed_middle_back", "reparsed_top",
         "own_table_in_order", "own_table_late_middle")
TABLES = ("darien_transit", "darien_transit_history")


def table_csv(engine: sa.Engine, table: str) -> str:
    """The table as CSV text, rows sorted, without load_id and loaded_at; samples/ wherever the checkout is."""
    with engine.connect() as conn:
        result = conn.exec_driver_sql(f"SELECT * FROM {table}")
        keep = [i for i, c in enumerate(result.keys()) if c not in ("load_id", "loaded_at")]
        header = [list(result.keys())[i] for i in keep]
        body = sorted([_portable("" if r[i] is None else str(r[i])) for i in keep] for r in result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def _portable(value: str) -> str:
    """samples/ wherever the checkout is, and the current pipeline version whatever its number."""
    return "<pipeline>" if value == PIPELINE_VERSION else value.replace(SAMPLES.as_uri(), "file:///samples")


def expected(name: str, table: str) -> str:
    return (GOLDEN / f"{name}.{table}.csv").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_publish_sequence_matches_golden(engine, prelim_2023, final, name):
    for batch in sequences(prelim_2023, final)[name]:
        load.publish(engine, batch)
    for table in TABLES:
        got = table_csv(engine, table)
        if os.environ.get("DARIEN_REGENERATE_PUBLISH_GOLDEN"):
            (GOLDEN / f"{name}.{table}.csv").write_text(got)
            continue
        assert got == expected(name, table), f"{name}: {table} differs from its golden file"
