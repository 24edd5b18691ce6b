"""A new version of the same URL against the loaded one, on the re-publication's real versions: what it may not erase or rewrite."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyreadr
import pytest

import expectations
import transform
from expectations import continuity, year_totals

REPUBLICATION = Path(__file__).resolve().parent.parent / "fixtures" / "republication"
HISTORY = REPUBLICATION / "history"
# The README's totals of irreg_darien_nat.rda: 2010-2019 annual rows, then the sums of months.
TOTALS = {2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289, 2016: 30_055,
          2017: 6_780, 2018: 9_222, 2019: 22_102, 2020: 6_465, 2021: 133_726, 2022: 248_284,
          2023: 520_085, 2024: 302_203, 2025: 2_904}


@pytest.fixture(scope="module")
def parsed() -> dict[str, object]:
    names = ["irreg_darien_nat.rda", "irreg_darien_dmg.rda", "history/nat_465d41e.rda",
             "history/dmg_465d41e.rda", "history/nat_13362fb.rda"]
    return {name.split("/")[-1]: transform.parse_document(REPUBLICATION / name) for name in names}


def totals(frame: pd.DataFrame) -> dict[int, tuple[int, bool, int]]:
    return {r.year: (r.persons, r.preliminary, r.months) for r in frame.itertuples()}


def test_year_totals_of_the_current_file_are_the_readme_totals(parsed):
    frame = year_totals(parsed["irreg_darien_nat.rda"])
    assert frame.dtypes.astype(str).to_dict() == {"year": "int64", "persons": "int64", "preliminary": "bool",
                                                  "months": "int64"}
    assert frame.set_index("year").persons.to_dict() == TOTALS
    assert totals(frame)[2019] == (22_102, False, 0)  # an annual row
    assert totals(frame)[2020] == (6_465, False, 12)  # April, May, July: reported zeros
    assert totals(frame)[2025] == (2_904, True, 4)  # January-April, preliminary


def test_year_totals_of_the_file_by_sex_sum_its_sex_rows(parsed):
    # irreg_darien_dmg has no total rows; its monthly totals equal irreg_darien_nat's (README).
    frame = year_totals(parsed["irreg_darien_dmg.rda"])
    assert totals(frame) == {2021: (133_726, False, 12), 2022: (248_284, False, 12),
                             2023: (520_085, False, 12), 2024: (302_203, False, 12), 2025: (2_904, True, 4)}


def test_year_totals_of_an_snm_pdf(batch_2023):
    # The real 2023 file: January-August, preliminary, 333,704.
    assert totals(year_totals(batch_2023)) == {2023: (333_704, True, 8)}


def test_the_version_without_2020_to_2024_fails_naming_them(parsed):
    previous = year_totals(parsed["nat_465d41e.rda"])
    assert continuity(parsed["nat_13362fb.rda"], previous) == [
        "this version lacks 2020, 2021, 2022, 2023, 2024, which the loaded version gave"]


def test_the_current_version_keeps_every_figure_of_the_first(parsed):
    # 465d41e ends in December 2024, so 2024 (302,203) is final there; the current version
    # gives 2024 the same total (every cell of 2010-2024 is the same), and adds 2025.
    previous = year_totals(parsed["nat_465d41e.rda"])
    assert not previous.preliminary.any() and totals(previous)[2024] == (302_203, False, 12)
    assert year_totals(parsed["irreg_darien_nat.rda"]).set_index("year").persons[2024] == 302_203
    assert continuity(parsed["irreg_darien_nat.rda"], previous) == []
    assert continuity(parsed["irreg_darien_dmg.rda"], year_totals(parsed["dmg_465d41e.rda"])) == []


def test_a_preliminary_year_may_change_but_not_shrink(parsed):
    # 13362fb gave 2025 as January-March, 2,831, preliminary; the current file January-April, 2,904.
    shorter = year_totals(parsed["nat_13362fb.rda"])
    assert totals(shorter)[2025] == (2_831, True, 3)
    assert continuity(parsed["irreg_darien_nat.rda"], shorter) == []
    assert continuity(parsed["nat_13362fb.rda"], year_totals(parsed["irreg_darien_nat.rda"])) == [
        "this version lacks 2020, 2021, 2022, 2023, 2024, which the loaded version gave",
        "2025 has 3 month(s), the loaded version gave 4 month(s)",
    ]


def test_a_changed_final_year_fails(tmp_path, parsed):
    # A version of irreg_darien_nat.rda whose 2019 says what SNM gave that year (23,968, the
    # README's known disagreement) instead of the historical summary's 22,102.
    frame = pyreadr.read_r(REPUBLICATION / "irreg_darien_nat.rda")["irreg_darien_nat"]
    ven_2019 = (frame.nat == "VEN") & (frame.t == (pd.Timestamp(2019, 1, 1) - pd.Timestamp(1970, 1, 1)).days)
    assert ven_2019.sum() == 1
    frame.loc[ven_2019, "n"] += 23_968 - 22_102
    path = tmp_path / "irreg_darien_nat.rda"
    pyreadr.write_rdata(str(path), frame, df_name="irreg_darien_nat", compress="gzip")
    changed = transform.parse_document(path)
    assert continuity(changed, year_totals(parsed["irreg_darien_nat.rda"])) == [
        "2019 total changed from 22,102 to 23,968"]
    assert continuity(changed, None) == [] and continuity(changed, year_totals(changed)) == []


def test_no_loaded_version_nothing_to_keep(parsed):
    empty = year_totals(parsed["nat_465d41e.rda"]).iloc[:0]
    assert continuity(parsed["nat_13362fb.rda"], empty) == []


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("continuity")
    return {"gx_dir": root / "gx", "docs_dir": root / "docs"}


@pytest.mark.slow
def test_the_gate_quarantines_an_erasing_version_unless_it_was_accepted(parsed, dirs):
    batch, previous = parsed["nat_13362fb.rda"], year_totals(parsed["nat_465d41e.rda"])
    line = "this version lacks 2020, 2021, 2022, 2023, 2024, which the loaded version gave"
    alone = expectations.validate(batch, **dirs)
    assert alone.success, alone.failures  # the suites find nothing wrong with the file itself

    verdict = expectations.validate(batch, **dirs, previous=previous)
    assert not verdict.success and verdict.failures == [line]
    assert verdict.summary["continuity"] == [line] and verdict.summary["accepted"] == []
    assert verdict.summary["failures"] == 1 and not verdict.summary["success"]

    accepted = expectations.validate(batch, **dirs, previous=previous, accepted=True)
    assert accepted.success and accepted.failures == []
    assert accepted.summary["accepted"] == [line] and accepted.summary["continuity"] == [line]


@pytest.mark.slow
def test_the_validator_pool_passes_previous_and_accepted(parsed, tmp_path):
    batch, previous = parsed["nat_13362fb.rda"], year_totals(parsed["nat_465d41e.rda"])
    with expectations.ValidatorPool(1, gx_dir=tmp_path / "gx", docs_dir=tmp_path / "docs") as pool:
        refused = pool.submit(batch, previous=previous).result(timeout=300)
        accepted = pool.submit(batch, previous=previous, accepted=True).result(timeout=300)
    assert refused.failures == ["this version lacks 2020, 2021, 2022, 2023, 2024, which the loaded version gave"]
    assert accepted.success and accepted.summary["accepted"] == refused.failures
    assert batch.year == 2025 and batch.as_of == date(2025, 3, 31)
