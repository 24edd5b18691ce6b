"""The suites on the new kinds of batch: the re-publication's real R data files, and annual rows (its 2010-2019, SNM's historical summary)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import expectations
import transform
from darien import contract
from tests.expectations.sample_batches import region_2022, set_where

REPUBLICATION = Path(__file__).resolve().parent.parent / "fixtures" / "republication"
NAT_FILE = REPUBLICATION / "irreg_darien_nat.rda"
this_year = date.today().year


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("republication")
    return {"gx_dir": root / "gx", "docs_dir": root / "docs"}


@pytest.fixture(scope="module")
def nat() -> contract.Batch:
    return transform.parse_document(NAT_FILE)


# irreg_darien_nat.rda's month-over-month changes beyond a factor of 10 (from 100 persons):
# the border closed in April, May and July 2020 (no row: 0), and 2022's November drop that
# SNM's own 2022 PDF shows too (Venezuela 40,593 -> 668, Perú 438 -> 34).
NAT_WARNINGS = [
    "month-over-month change in country CHL (label 'CHL') month 11 of 2021: 1501 -> 46 (x32.6, beyond factor 10)",
    "month-over-month change in country CHN (label 'CHN') month 8 of 2024: 772 -> 53 (x14.6, beyond factor 10)",
    "month-over-month change in country CUB (label 'CUB') month 12 of 2020: 1 -> 123 (x123.0, beyond factor 10)",
    "month-over-month change in country PER (label 'PER') month 11 of 2022: 438 -> 34 (x12.9, beyond factor 10)",
    "month-over-month change in country VEN (label 'VEN') month 5 of 2021: 3 -> 113 (x37.7, beyond factor 10)",
    "month-over-month change in country VEN (label 'VEN') month 11 of 2022: 40593 -> 668 (x60.8, beyond factor 10)",
    "month-over-month change in country VNM (label 'VNM') month 11 of 2024: 173 -> 11 (x15.7, beyond factor 10)",
    "month-over-month change in total total (label 'Total') month 4 of 2020: 1099 -> 0 (x1099.0, beyond factor 10)",
    "month-over-month change in total total (label 'Total') month 6 of 2020: 0 -> 182 (x182.0, beyond factor 10)",
    "month-over-month change in total total (label 'Total') month 7 of 2020: 182 -> 0 (x182.0, beyond factor 10)",
    "month-over-month change in total total (label 'Total') month 9 of 2020: 6 -> 108 (x18.0, beyond factor 10)",
]


@pytest.mark.parametrize("name, warnings", [
    ("irreg_darien_nat.rda", NAT_WARNINGS),
    ("history/nat_465d41e.rda", NAT_WARNINGS),  # the same figures to December 2024
    ("irreg_darien_dmg.rda", []),
    ("history/dmg_465d41e.rda", []),
])
def test_the_real_republication_files_pass(name, warnings, dirs):
    batch = transform.parse_document(REPUBLICATION / name)
    verdict = expectations.validate(batch, **dirs)
    assert verdict.success, verdict.failures
    assert verdict.warnings == warnings
    suites = verdict.summary["suites"]
    # No printed sums to check, none needed; the annual suites pass on 2010-2019 (dmg: none).
    assert suites["darien_reconciliation"]["success"] and batch.reconciliation.empty
    assert all(suites[s]["failed"] == 0 for s in ("darien_batch", "darien_annual", "darien_annual_sums"))


def annual_only(nat: contract.Batch, mutate=None) -> contract.Batch:
    """A batch of the re-publication's annual rows (2010-2019) and no monthly rows, as SNM's historical summary gives."""
    annual = nat.annual.copy()
    return contract.Batch(
        source_url=nat.source_url, source_sha256=nat.source_sha256, year=2019, as_of=date(2019, 12, 31),
        preliminary=False, rows=contract.empty_rows(), annual=mutate(annual) if mutate else annual,
        reconciliation=contract.empty_reconciliation(), kind="rdata", source_kind="republication")


def test_a_batch_of_annual_rows_only_passes(nat, dirs):
    batch = annual_only(nat)
    assert batch.rows.empty and len(batch.annual) == 388
    verdict = expectations.validate(batch, **dirs)
    assert verdict.success, verdict.failures
    assert verdict.warnings == []
    assert verdict.summary["suites"]["darien_annual"]["evaluated"] == len(contract.ANNUAL_COLUMNS) - 3 + 5


TIB_2015 = "year == 2015 and category == 'TIB'"  # Tibet, 2015: not an ISO code, but the contract's


ANNUAL_FAULTS = {
    "negative persons": (
        lambda a: set_where(a, TIB_2015, "persons", -3),
        "persons -3 outside >= 0 in country TIB (label 'TIB') year 2015"),
    "unmapped country": (
        lambda a: set_where(set_where(a, TIB_2015, "label", "Atlantis"), TIB_2015, "category", "UNMAPPED"),
        "unknown country label 'Atlantis' (category UNMAPPED)"),
    "duplicate key": (
        lambda a: pd.concat([a, a.query(TIB_2015)], ignore_index=True),
        "duplicate key (2015, 'country', 'TIB') (label 'TIB')"),
    "year 2009": (
        lambda a: set_where(a, "year == 2010 and category == 'AFG'", "year", 2009),
        f"year 2009 outside 2010..{this_year} in country AFG (label 'AFG') year 2009"),
    "unknown source kind": (
        lambda a: set_where(a, TIB_2015, "source_kind", "gdidata"),
        "unknown source_kind 'gdidata' (label 'TIB')"),
    "null source kind": (
        lambda a: set_where(a, TIB_2015, "source_kind", None),
        "null source_kind in country TIB (label 'TIB') year 2015"),
    # 2019 as SNM gave it that year (the README's known disagreement), against its countries.
    "countries off the total": (
        lambda a: set_where(a, "year == 2019 and breakdown == 'total'", "persons", 23_968),
        "the countries of 2019 add up to 22102, its annual Total row says 23968"),
    "missing column": (
        lambda a: a.drop(columns=["source_kind"]),
        "annual column 'source_kind' has dtype (missing), contract says string"),
}


@pytest.mark.parametrize("fault", list(ANNUAL_FAULTS))
def test_each_fault_of_the_annual_rows_blocks_the_batch(fault, nat, dirs):
    mutate, line = ANNUAL_FAULTS[fault]
    verdict = expectations.validate(annual_only(nat, mutate), **dirs)
    assert not verdict.success and verdict.failures[0] == line


def test_a_batch_without_figures_or_with_unchecked_sums_is_named(dirs):
    empty = region_2022()
    empty.rows = empty.rows.iloc[:0]
    verdict = expectations.validate(empty, **dirs)
    assert verdict.failures == ["the batch has no figures: no monthly and no annual rows"]

    unchecked = region_2022()
    unchecked.reconciliation = unchecked.reconciliation.iloc[:0]
    verdict = expectations.validate(unchecked, **dirs)
    assert verdict.failures == ["the document printed monthly tables but its sums were not checked "
                                "(0 reconciliation rows)"]


def test_source_kind_is_required_on_the_rows_and_the_batch(dirs):
    batch = region_2022()
    batch.rows = set_where(batch.rows.copy(), "category == 'asia' and month == 2", "source_kind", "gdidata")
    assert expectations.validate(batch, **dirs).failures == ["unknown source_kind 'gdidata' (label 'Asia')"]
    batch = region_2022()
    batch.source_kind = "gdidata"
    assert expectations.validate(batch, **dirs).failures == ["the batch's source_kind 'gdidata' is not the contract's"]


def test_a_generated_historical_summary_passes(tmp_path, dirs):
    from tests.transform.annual_documents import Summary, write_summary

    # The re-publication's 2017-2019 figures for Haiti and Cuba, the rest as Otros.
    annual = transform.parse_document(NAT_FILE).annual
    countries = annual[(annual.breakdown == "country") & annual.year.isin([2017, 2018, 2019])]
    rows = {"Haití": {}, "Cuba": {}, "Otros": {}}
    for r in countries.itertuples():
        label = {"HTI": "Haití", "CUB": "Cuba"}.get(r.category, "Otros")
        rows[label][r.year] = rows[label].get(r.year, 0) + r.persons
    spec = Summary(years=[2017, 2018, 2019], rows=rows, chart=False)
    batch = transform.parse_document(write_summary(spec, tmp_path / "ESTADISTICAS-2017-2019.pdf"))
    totals = batch.annual[batch.annual.breakdown == "total"].set_index("year").persons.to_dict()
    assert totals == {2017: 6_780, 2018: 9_222, 2019: 22_102}
    verdict = expectations.validate(batch, **dirs)
    assert verdict.success, verdict.failures
    assert verdict.warnings == [] and not verdict.summary["suites"]["darien_reconciliation"]["failed"]


def test_month_over_month_changes_follow_the_calendar_across_years(nat):
    from expectations.frames import changes_frame

    changes = changes_frame(nat.rows).set_index(["breakdown", "category", "year", "month"])
    rows = nat.rows.set_index(["breakdown", "category", "year", "month"]).persons
    # January 2023 follows December 2022; January 2020 follows no month (2019 is annual).
    assert changes.loc[("country", "VEN", 2023, 1), "previous"] == rows[("country", "VEN", 2022, 12)]
    assert changes.loc[("country", "VEN", 2023, 1), "persons"] == rows[("country", "VEN", 2023, 1)]
    assert ("total", "total", 2020, 1) not in changes.index
    assert changes.loc[("total", "total", 2020, 4), ["previous", "persons"]].tolist() == [1_099, 0]
