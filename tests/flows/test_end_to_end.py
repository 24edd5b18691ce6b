"""One real document end to end through the nightly flow, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import shutil

import pytest

from flows.nightly import nightly
from warehouse import query

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

    assert second.fetched == 0
    assert all(o.inserted == o.updated == o.deleted == 0 for o in second.outcomes)
    assert query(warehouse_url, "select * from darien_transit order by year, month, breakdown, category") == before
    assert query(warehouse_url, "select count(*) from etl_loads") == loads_before
