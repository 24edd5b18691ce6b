"""Quarantine keeps a failing batch's rows, sums and verdict under its sha256, replaced whole on a retry."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import expectations
from expectations import Verdict
from tests.expectations.sample_batches import SHA_2022, URL_2022, region_2022


def _verdict(line: str) -> Verdict:
    return Verdict(success=False, failures=[line], warnings=[], summary={"failures": 1},
                   docs_url="file:///tmp/docs/validations/x.html")


def test_quarantine_writes_rows_reconciliation_and_verdict(tmp_path):
    batch = region_2022()
    line = "unknown country label 'Atlantis' (category UNMAPPED)"
    folder = expectations.quarantine(batch, _verdict(line), tmp_path / "quarantine")
    assert folder == tmp_path / "quarantine" / SHA_2022
    assert sorted(p.name for p in folder.iterdir()) == ["reconciliation.csv", "rows.csv", "validation.json"]

    rows = pd.read_csv(folder / "rows.csv")
    assert len(rows) == len(batch.rows)
    asia_may = rows.query("category == 'asia' and month == 5")
    assert asia_may["persons"].tolist() == [734] and asia_may["label"].tolist() == ["Asia"]
    recon = pd.read_csv(folder / "reconciliation.csv")
    assert recon.query("check == 'rows_sum' and month == 10")["expected"].tolist() == [59773]

    report = json.loads((folder / "validation.json").read_text())
    assert report["failures"] == [line] and report["success"] is False
    assert report["source_url"] == URL_2022 and report["year"] == 2022
    assert report["docs_url"] == "file:///tmp/docs/validations/x.html"
    assert report["summary"] == {"failures": 1}


def test_a_second_quarantine_of_the_same_document_replaces_the_first(tmp_path):
    batch = region_2022()
    expectations.quarantine(batch, _verdict("first"), tmp_path)
    (tmp_path / SHA_2022 / "stray.txt").write_text("left by an operator")
    batch.rows = batch.rows.iloc[:12]
    folder = expectations.quarantine(batch, _verdict("second"), tmp_path)
    assert json.loads((folder / "validation.json").read_text())["failures"] == ["second"]
    assert len(pd.read_csv(folder / "rows.csv")) == 12
    assert not (folder / "stray.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == [SHA_2022]  # no temporary folders left


def test_a_real_failing_verdict_round_trips_through_quarantine(tmp_path):
    batch = region_2022()
    batch.reconciliation.loc[0, "actual"] = 4701
    verdict = expectations.validate(batch, gx_dir=tmp_path / "gx", docs_dir=tmp_path / "docs")
    folder = expectations.quarantine(batch, verdict, tmp_path / "quarantine")
    report = json.loads((folder / "validation.json").read_text())
    assert report["failures"][0] == (
        "reconciliation Cuadro No. 001 rows_sum label 'Total' month 1: expected 4702, actual 4701"
    )
    assert report["summary"]["suites"]["darien_reconciliation"]["success"] is False
    assert report["docs_url"] == verdict.docs_url


def test_a_batch_with_annual_rows_keeps_them_beside_its_rows(tmp_path):
    import transform

    history = Path(__file__).resolve().parent.parent / "fixtures" / "republication" / "history"
    # The version that dropped 2020-2024: 2010-2019 annual, January-March 2025 monthly.
    batch = transform.parse_document(history / "nat_13362fb.rda")
    folder = expectations.quarantine(batch, _verdict("this version lacks 2020"), tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["annual.csv", "reconciliation.csv", "rows.csv",
                                                        "validation.json"]
    annual = pd.read_csv(folder / "annual.csv")
    assert annual.query("breakdown == 'total'").set_index("year").persons.to_dict()[2019] == 22_102
    assert set(pd.read_csv(folder / "rows.csv").year) == {2025}
