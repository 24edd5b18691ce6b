"""The suites judge batches built from the real 2022 figures: a good one passes, each fault is named."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
from tests.expectations.sample_batches import make_batch, region_2022, set_where, with_rows

import expectations
from expectations import context as gate_context
from darien.contract import COLUMNS, NULLABLE, PRIMARY_KEY, SUITES_VERSION
from expectations.suites import SUITES


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict:
    """One GX context for the module: setting one up is the slow part, and reuse is the point."""
    root = tmp_path_factory.mktemp("gate")
    return {"gx_dir": root / "gx", "docs_dir": root / "docs"}


def _path(url: str) -> Path:
    assert url.startswith("file://")
    return Path(unquote(urlparse(url).path))


def _first_failure(batch, dirs) -> str:
    verdict = expectations.validate(batch, **dirs)
    assert not verdict.success
    return verdict.failures[0]


def test_the_2022_region_table_passes(dirs):
    batch = region_2022()
    assert batch.rows.query("breakdown == 'region' and month == 5")["persons"].sum() == 13894
    verdict = expectations.validate(batch, **dirs)
    assert verdict.success, verdict.failures
    assert verdict.failures == [] and verdict.warnings == []
    summary = json.loads(json.dumps(verdict.summary))
    assert summary["suites_version"] == SUITES_VERSION
    assert list(summary["suites"]) == list(SUITES)
    assert all(s["success"] and s["failed"] == 0 for s in summary["suites"].values())
    # No annual rows: the annual suites have nothing to judge, and do not run.
    assert [name for name, s in summary["suites"].items() if s.get("skipped")] == [
        "darien_annual", "darien_annual_sums"]
    assert summary["suites"]["darien_annual"]["skipped"] == "the batch has no annual rows"
    assert summary["continuity"] == [] and summary["accepted"] == []
    assert summary["suites"]["darien_completeness"]["evaluated"] == len(COLUMNS) - len(NULLABLE)
    assert _path(verdict.docs_url).is_file()


def _recon_with(batch, mutate):
    batch.reconciliation = mutate(batch.reconciliation.copy())
    return batch


def _unmapped():
    batch = region_2022(countries=True)
    extra = make_batch([("country", "UNMAPPED", "Atlantis", 3, 12)], []).rows
    batch.rows = pd.concat([batch.rows, extra], ignore_index=True)
    return batch


def _duplicate():
    batch = region_2022()
    asia_march = batch.rows.query("category == 'asia' and month == 3")
    batch.rows = pd.concat([batch.rows, asia_march], ignore_index=True)
    return batch


def _wrong_dtype():
    batch = region_2022()
    batch.rows["persons"] = batch.rows["persons"].astype("float64")
    return batch


this_year = date.today().year

FAULTS = {
    "unmapped country": (_unmapped, "unknown country label 'Atlantis' (category UNMAPPED)"),
    "negative persons": (
        lambda: with_rows(region_2022(), lambda r: set_where(r, "category == 'oceania' and month == 2", "persons", -7)),
        "persons -7 outside >= 0 in region oceania (label 'Oceanía') month 2 of 2022",
    ),
    "broken sum": (
        lambda: _recon_with(region_2022(), lambda r: set_where(
            r, "check == 'rows_sum' and month == 5", "actual", 13893)),
        "reconciliation Cuadro No. 001 rows_sum label 'Total' month 5: expected 13894, actual 13893",
    ),
    "duplicate key": (_duplicate, "duplicate key (2022, 3, 'region', 'asia') (label 'Asia')"),
    "null label": (
        lambda: with_rows(region_2022(), lambda r: set_where(r, "category == 'africa' and month == 7", "label", None)),
        "null label in region africa (label null) month 7 of 2022",
    ),
    "month 13": (
        lambda: with_rows(region_2022(), lambda r: set_where(r, "category == 'europe' and month == 12", "month", 13)),
        "month 13 outside 1..12 in region europe (label 'Europa') month 13 of 2022",
    ),
    "year 2009": (
        lambda: with_rows(region_2022(), lambda r: set_where(r, "category == 'asia' and month == 1", "year", 2009)),
        f"year 2009 outside 2010..{this_year} in region asia (label 'Asia') month 1 of 2009",
    ),
    "wrong dtype": (_wrong_dtype, "rows column 'persons' has dtype float64, contract says int64"),
    "missing column": (
        lambda: with_rows(region_2022(), lambda r: r.drop(columns=["source_page"])),
        "rows column 'source_page' has dtype (missing), contract says int64",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_blocks_the_batch_and_is_named_first(fault, dirs):
    build, line = FAULTS[fault]
    assert _first_failure(build(), dirs) == line


def test_the_failures_name_every_unknown_label_and_the_summary_counts_them(dirs):
    batch = _unmapped()
    more = make_batch([("country", "UNMAPPED", "Narnia", 4, 3), ("region", "mars", "Marte", 4, 1)], []).rows
    batch.rows = pd.concat([batch.rows, more], ignore_index=True)
    verdict = expectations.validate(batch, **dirs)
    assert verdict.failures == [
        "unknown country label 'Atlantis' (category UNMAPPED); "
        "unknown country label 'Narnia' (category UNMAPPED); "
        "unknown region label 'Marte' (category mars)"
    ]
    categories = verdict.summary["suites"]["darien_categories"]
    assert not categories["success"] and categories["failed"] == 1
    assert [e["unexpected_count"] for e in categories["expectations"]] == [3]
    assert verdict.docs_url == verdict.summary["suites"]["darien_categories"]["docs_url"]


def test_a_jump_warns_without_blocking_and_small_counts_do_not(dirs):
    # Venezuela, 2022: 40,593 in October, 668 in November (Cuadro No. 003). Europe's
    # 0 -> 19 (May -> June) and Oceania's 0 -> 7 are ratios beyond 10 on tiny counts.
    verdict = expectations.validate(region_2022(countries=True), **dirs)
    assert verdict.success, verdict.failures
    assert verdict.warnings == [
        "month-over-month change in country VEN (label 'Venezuela') month 11 of 2022: 40593 -> 668 "
        "(x60.8, beyond factor 10)"
    ]
    jumps = verdict.summary["suites"]["darien_jumps"]
    assert jumps["success"] and jumps["failed"] == 1
    assert expectations.validate(region_2022(countries=True), **dirs, jump_factor=61).warnings == []
    assert expectations.validate(region_2022(countries=True), **dirs, jump_factor=20).warnings == [
        "month-over-month change in country VEN (label 'Venezuela') month 11 of 2022: 40593 -> 668 "
        "(x60.8, beyond factor 20)"
    ]


def test_a_failed_batch_still_reports_its_warnings(dirs):
    batch = _unmapped()
    verdict = expectations.validate(batch, **dirs)
    assert len(verdict.failures) == 1 and len(verdict.warnings) == 1


@pytest.mark.slow
def test_every_validation_keeps_its_own_data_docs_page(dirs):
    first = expectations.validate(region_2022(), **dirs)
    second = expectations.validate(region_2022(), **dirs)
    assert first.docs_url != second.docs_url
    for verdict in (first, second):
        page = _path(verdict.docs_url)
        assert page.is_file() and page.is_relative_to(dirs["docs_dir"].resolve())
        assert "2022-7b05a39a3b64" in verdict.docs_url  # the run is named after its document
    assert "darien_schema" in _path(first.docs_url).read_text()

    # The index lists a run's pages from the next process on (as a restart would).
    gate_context._cache.clear()
    expectations.validate(region_2022(), **dirs)
    index = (dirs["docs_dir"] / "index.html").read_text()
    for verdict in (first, second):
        assert _path(verdict.docs_url).relative_to(dirs["docs_dir"].resolve()).as_posix() in index


@pytest.mark.slow
def test_the_batch_is_left_as_it_was_and_a_repeated_index_still_names_rows(dirs):
    batch = region_2022()
    batch.rows.index = [0] * len(batch.rows)  # as pd.concat without ignore_index leaves it
    batch.rows.loc[:, "persons"] = batch.rows["persons"].where(
        ~(batch.rows["category"] == "eurasia").to_numpy() | (batch.rows["month"] != 4).to_numpy(), -2)
    before = batch.rows.copy()
    verdict = expectations.validate(batch, **dirs)
    assert verdict.failures == ["persons -2 outside >= 0 in region eurasia (label 'Eurasia') month 4 of 2022"]
    pd.testing.assert_frame_equal(batch.rows, before)


def test_the_key_of_the_contract_is_what_the_key_suite_checks():
    import great_expectations.expectations as gxe

    from expectations.suites import _key

    assert [e.column_list for e in _key(gxe)] == [list(PRIMARY_KEY)]
