"""One real document end to end through the nightly flow, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import shutil

import pytest

from flows.nightly import nightly
from tests.warehouse import query

pytestmark = pytest.mark.prefect

# What the 2022 PDF prints (Cuadro No. 003, page 2): Venezuela 150,327 for the year, 38,399 in September.
VENEZUELA_2022_TOTAL = 150_327
VENEZUELA_2022_SEP = 38_399


@pytest.fixture
def source_2022(tmp_path, real_2022):
    folder = tmp_path / "source"
    folder.mkdir()
    shutil.copy(real_2022, folder / real_2022.name)
    return folder


def test_nightly_loads_the_2022_document_and_a_rerun_changes_nothing(
    prefect_harness, warehouse_url, source_2022, tmp_path
):
    params = dict(source=str(source_2022), warehouse=warehouse_url, data_dir=str(tmp_path / "data"))

    first = nightly(**params)

    assert [o.status for o in first.outcomes] == ["loaded"]
    venezuela = query(
        warehouse_url,
        "select month, persons, label, source_table, source_page from darien_transit "
        "where year = 2022 and breakdown = 'country' and category = 'VEN' order by month",
    )
    assert len(venezuela) == 12
    assert sum(r[1] for r in venezuela) == VENEZUELA_2022_TOTAL
    assert venezuela[8][:2] == (9, VENEZUELA_2022_SEP)
    assert venezuela[0][2:] == ("Venezuela", "Cuadro No. 003", 2)
    before = query(warehouse_url, "select * from darien_transit order by year, month, breakdown, category")
    loads_before = query(warehouse_url, "select count(*) from etl_loads")

    second = nightly(**params)

    # Found again, unchanged: nothing to fetch, so no document reaches parsing or publishing.
    assert (second.found, second.fetched, second.outcomes) == (first.found, 0, []) and first.found == 1
    assert query(warehouse_url, "select * from darien_transit order by year, month, breakdown, category") == before
    assert query(warehouse_url, "select count(*) from etl_loads") == loads_before


def test_a_run_leaves_its_artifacts_on_the_flow_run(prefect_harness, duckdb_url, source_2022, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = nightly(source=str(source_2022), warehouse=duckdb_url, data_dir=str(tmp_path / "data"),
                    return_state=True)

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    by_key = {a.key: a.data for a in artifacts}
    assert {"documents", "warehouse-status", "latest-figures", "exports"} <= set(by_key)
    documents = [[c.strip() for c in line.strip("|").split("|")] for line in by_key["documents"].splitlines()
                 if line.startswith("| IRREGULARES")]
    # Its published name, cut to a cell's 40 characters; the 612 rows the 2022 PDF holds (golden CSV).
    assert documents == [["IRREGULARES_P…DARIEN_DICIEMBRE_2022.pdf", "7b05a3", "2022", "loaded", "+612"]]
    # Both of the file's month-over-month jumps, each naming the file: notes, not run warnings.
    notes = by_key["warnings"].split("### validation notes")[1]
    for jump in ("country PER (label 'Perú') month 11 of 2022: 438 -> 34 (x12.9, beyond factor 10)",
                 "country VEN (label 'Venezuela') month 11 of 2022: 40593 -> 668 (x60.8, beyond factor 10)"):
        assert f"- IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf: month-over-month change in {jump}" in notes.splitlines()
    # December 2022 by region, as Cuadro No. 001 prints it: Total 20,297, América del Sur 10,492.
    assert "December 2022: 20,297 persons" in by_key["latest-figures"]
    assert [[c.strip() for c in line.strip("|").split("|")][:3] for line in by_key["latest-figures"].splitlines()
            if "América del Sur" in line] == [["South America", "América del Sur", "10,492"]]
