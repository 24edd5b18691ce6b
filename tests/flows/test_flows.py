"""Backfill, report and reprocess, run as Prefect flows on the session's test server."""

from __future__ import annotations

import shutil

import pytest

import cli
import load
import report
from flows.backfill import backfill
from tests.real_documents import pdf_archive
from tests.snm_documents import document_spec, write_pdf
from tests.warehouse import query

pytestmark = pytest.mark.prefect


@pytest.fixture
def archive(tmp_path, real_2022, real_2023):
    """A folder with a generated 2021 document and the two real ones (2022 final, 2023 preliminary)."""
    folder = tmp_path / "archive"
    folder.mkdir()
    spec = document_spec(2021, seed=21, style="2021")
    write_pdf(spec, folder / "IRREGULARES_POR_DARIEN_2021.pdf")
    shutil.copy(real_2022, folder)
    shutil.copy(real_2023, folder)
    return folder, spec


def test_backfill_loads_each_year_once_and_a_second_backfill_writes_nothing(
    prefect_harness, warehouse_url, archive, tmp_path
):
    folder, spec_2021 = archive
    params = dict(from_year=2021, to_year=2023, source=str(folder), warehouse=warehouse_url,
                  data_dir=str(tmp_path / "data"))

    first = backfill(**params)

    assert sorted(o.year for o in first.outcomes if o.status == "loaded") == [2021, 2022, 2023]
    totals = dict(query(warehouse_url, "select year, sum(persons) from darien_transit "
                                       "where breakdown = 'total' group by year"))
    expected_2021 = sum(spec_2021.tables[0].totals())  # the Total row the generated PDF prints
    assert totals == {2021: expected_2021, 2022: 248_284, 2023: 333_704}
    loads = query(warehouse_url, "select count(*) from etl_loads")

    again = backfill(**{**params, "force": True})

    assert all(o.inserted == o.updated == o.deleted == 0 for o in again.outcomes)
    assert query(warehouse_url, "select count(*) from etl_loads") == loads


def test_backfill_of_one_year_leaves_the_others_alone(prefect_harness, duckdb_url, archive, tmp_path):
    folder, _ = archive
    params = dict(source=str(folder), warehouse=duckdb_url, data_dir=str(tmp_path / "data"))
    backfill(from_year=2021, to_year=2023, **params)
    others = "select * from darien_transit where year <> 2022 order by year, month, breakdown, category"
    before = query(duckdb_url, others)
    loads = set(query(duckdb_url, "select load_id, inserted, updated, deleted from etl_loads"))

    again = backfill(from_year=2022, to_year=2022, force=True, **params)

    assert [o.year for o in again.outcomes] == [2022]  # the other years' documents were not read
    assert query(duckdb_url, others) == before  # their rows, load ids and times unchanged
    assert loads <= set(query(duckdb_url, "select load_id, inserted, updated, deleted from etl_loads"))
    assert {y for (y,) in query(duckdb_url, "select distinct year from darien_transit")} == {2021, 2022, 2023}


def test_report_states_what_the_warehouse_holds(prefect_harness, duckdb_url, archive, tmp_path, capsys):
    folder, _ = archive
    backfill(from_year=2022, to_year=2023, source=str(folder), warehouse=duckdb_url,
             data_dir=str(tmp_path / "data"))

    code = cli.main(["report", "--warehouse", duckdb_url, "--year", "2023", "--out", str(tmp_path / "out")])

    assert code == 0
    text = (tmp_path / "out" / "summary_2023.md").read_text()
    png = (tmp_path / "out" / "transit_by_region.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    (ytd,), = query(duckdb_url, "select sum(persons) from darien_transit where year = 2023 and breakdown = 'total'")
    (same_2022,), = query(duckdb_url, "select sum(persons) from darien_transit where year = 2022 "
                                      "and breakdown = 'total' and month <= 8")
    (venezuela,), = query(duckdb_url, "select sum(persons) from darien_transit where year = 2023 and category = 'VEN'")
    assert f"**{ytd:,} people**" in text and "to August 2023" in text
    assert f"{round((ytd - same_2022) / same_2022 * 100)}% more than the {same_2022:,}" in text
    assert f"nationalities were Venezuela ({venezuela:,})," in text


def test_reprocess_loads_a_failed_document_once_its_cause_is_fixed(
    prefect_harness, duckdb_url, tmp_path, monkeypatch, capsys
):
    args = ["--warehouse", duckdb_url, "--data-dir", str(tmp_path / "data")]
    source = str(pdf_archive(tmp_path / "samples"))  # the two real PDFs
    monkeypatch.setenv("DARIEN_PARSE_TIMEOUT", "0.01")  # far too little for a real document
    assert cli.main(["run", "--source", source, *args]) == 3
    engine = load.connect(duckdb_url)
    assert [r.status for r in load.ledger.stored(engine)] == ["failed", "failed"]
    engine.dispose()
    capsys.readouterr()

    monkeypatch.setenv("DARIEN_PARSE_TIMEOUT", "120")
    assert cli.main(["run", "--source", source, *args]) == 0  # unchanged: not retried
    assert "0 loaded" in capsys.readouterr().out
    assert cli.main(["reprocess", "--quarantined", *args]) == 0

    engine = load.connect(duckdb_url)
    assert [r.status for r in load.ledger.stored(engine)] == ["loaded", "loaded"]
    assert report.year_figures(engine, 2022).total == 248_284
    engine.dispose()
