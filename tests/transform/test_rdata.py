"""transform.rdata on the re-publication's real R data files (and variants of them), checked against what its README says."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import pickle
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import pyreadr

from darien import contract
from darien.sniff import sniff
from transform.document import parse_document
from transform.errors import NotDarien, ParseError, UnreadableError
from transform.rdata import (
    DMG, NAT, CountError, TotalsMismatch, UnknownCodeError, check_sex_totals, read_rdata,
)

REPUBLICATION = Path(__file__).resolve().parent.parent / "fixtures" / "republication"
NAT_FILE = REPUBLICATION / "irreg_darien_nat.rda"
DMG_FILE = REPUBLICATION / "irreg_darien_dmg.rda"
HISTORY = REPUBLICATION / "history"

# The republication README's annual totals of irreg_darien_nat.rda.
ANNUAL_TOTALS = {2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289,
                 2016: 30_055, 2017: 6_780, 2018: 9_222, 2019: 22_102}
MONTHLY_TOTALS = {2020: 6_465, 2021: 133_726, 2022: 248_284, 2023: 520_085, 2024: 302_203, 2025: 2_904}


@pytest.fixture(scope="module")
def nat():
    return read_rdata(NAT_FILE)


@pytest.fixture(scope="module")
def dmg():
    return read_rdata(DMG_FILE)


def totals(rows: pd.DataFrame) -> pd.Series:
    return rows[rows.breakdown == "total"].set_index(["year", "month"]).persons


def test_nat_frames_have_the_contract_shapes(nat):
    assert nat.rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    assert nat.annual.dtypes.astype(str).to_dict() == contract.ANNUAL_COLUMNS
    assert not nat.rows.duplicated(list(contract.PRIMARY_KEY)).any()
    assert not nat.annual.duplicated(list(contract.ANNUAL_KEY)).any()
    assert nat.objects == (NAT,)
    assert set(nat.rows.source_table) == set(nat.annual.source_table) == {NAT}
    assert set(nat.rows.source_page) == set(nat.annual.source_page) == {0}
    assert nat.rows.note.isna().all() and nat.annual.note.isna().all()
    for frame in (nat.rows, nat.annual):
        assert frame.load_id.isna().all() and frame.loaded_at.isna().all()
        assert set(frame.source_url) == {NAT_FILE.resolve().as_uri()}
        assert set(frame.source_sha256) == {hashlib.sha256(NAT_FILE.read_bytes()).hexdigest()}
        assert set(frame.pipeline_version) == {contract.PIPELINE_VERSION}
        assert set(frame.source_kind) == {"republication"}
    assert set(nat.rows.breakdown) == set(nat.annual.breakdown) == {"total", "country"}


def test_2010_to_2019_are_annual_with_the_readme_totals(nat):
    annual = nat.annual
    assert annual[annual.breakdown == "total"].set_index("year").persons.to_dict() == ANNUAL_TOTALS
    assert set(annual.as_of) == {pd.Timestamp(y, 12, 31) for y in ANNUAL_TOTALS}
    assert (annual.as_of.dt.year == annual.year).all() and not annual.preliminary.any()
    countries = annual[annual.breakdown == "country"]
    assert (countries.groupby("year").persons.sum() == pd.Series(ANNUAL_TOTALS)).all()
    # Tibet (2012-2016, no row in 2013) and Kosovo (2016-2017) keep their non-ISO codes.
    assert set(countries[countries.category == "TIB"].year) == {2012, 2014, 2015, 2016}
    assert set(countries[countries.category == "XKX"].year) == {2016, 2017}
    assert not (nat.rows.year < 2020).any()


def test_monthly_totals_from_2020_with_the_closed_border_as_zeros(nat):
    by_year = totals(nat.rows).groupby(level="year")
    assert by_year.sum().to_dict() == MONTHLY_TOTALS
    assert by_year.size().to_dict() == {2020: 12, 2021: 12, 2022: 12, 2023: 12, 2024: 12, 2025: 4}
    t2020 = totals(nat.rows)[2020]
    assert [m for m, n in t2020.items() if n == 0] == [4, 5, 7]
    rows = nat.rows
    # No per-nationality zeros: the months without rows have only their total.
    assert set(rows[(rows.year == 2020) & (rows.breakdown == "country")].month) == set(range(1, 13)) - {4, 5, 7}
    assert not (rows[rows.breakdown == "country"].persons == 0).any()


def test_countries_add_up_to_the_monthly_total(nat):
    rows = nat.rows
    by_country = rows[rows.breakdown == "country"].groupby(["year", "month"]).persons.sum()
    total = totals(rows)
    assert (total[total > 0] == by_country).all() and len(by_country) == (total > 0).sum()


def test_ooo_is_other_and_labels_are_the_codes(nat):
    rows = nat.rows
    others = rows[rows.label == "OOO"]
    assert set(others.category) == {contract.OTHER_COUNTRIES} and set(others.year) == set(range(2021, 2026))
    countries = rows[(rows.breakdown == "country") & (rows.label != "OOO")]
    assert (countries.category == countries.label).all()
    assert set(rows[rows.breakdown == "total"].label) == {"Total"}


def test_only_the_last_incomplete_year_is_preliminary(nat):
    rows = nat.rows
    assert (nat.year, nat.as_of, nat.preliminary) == (2025, date(2025, 4, 30), True)
    assert set(rows[rows.preliminary].year) == {2025}
    assert rows.groupby("year").as_of.unique().map(list).to_dict() == {
        2020: [pd.Timestamp(2020, 12, 31)], 2021: [pd.Timestamp(2021, 12, 31)],
        2022: [pd.Timestamp(2022, 12, 31)], 2023: [pd.Timestamp(2023, 12, 31)],
        2024: [pd.Timestamp(2024, 12, 31)], 2025: [pd.Timestamp(2025, 4, 30)]}


def test_dmg_is_sex_then_sex_age_and_adds_up_to_nat(nat, dmg):
    rows = dmg.rows
    assert rows.dtypes.astype(str).to_dict() == contract.COLUMNS and len(dmg.annual) == 0
    assert dmg.objects == (DMG,) and set(rows.source_table) == {DMG}
    kinds = rows.groupby("year").breakdown.unique().map(list).to_dict()
    assert kinds == {2021: ["sex"], 2022: ["sex"], 2023: ["sex_age"], 2024: ["sex_age"], 2025: ["sex_age"]}
    assert set(rows[rows.breakdown == "sex"].category) == {"male", "female"}
    assert set(rows[rows.breakdown == "sex_age"].category) == set(contract.BREAKDOWNS["sex_age"])
    assert rows.groupby(["label", "category"]).size().index.tolist() == [
        ("boys", "male_minor"), ("girls", "female_minor"), ("men", "male"), ("men", "male_adult"),
        ("women", "female"), ("women", "female_adult")]
    by_month = rows.groupby(["year", "month"]).persons.sum()
    nat_total = totals(nat.rows)
    assert len(by_month) == 52 and (by_month == nat_total[by_month.index]).all()
    check_sex_totals(nat.rows, rows, name=DMG_FILE.name)  # does not raise
    assert (dmg.year, dmg.as_of, dmg.preliminary) == (2025, date(2025, 4, 30), True)


def test_dmg_that_does_not_add_up_is_named_in_one_line(nat, dmg):
    changed = dmg.rows.copy()
    at = changed.index[(changed.year == 2023) & (changed.month == 5) & (changed.label == "girls")][0]
    changed.loc[at, "persons"] += 10
    with pytest.raises(TotalsMismatch) as err:
        check_sex_totals(nat.rows, changed, name=DMG_FILE.name)
    total = int(totals(nat.rows)[(2023, 5)])
    assert str(err.value) == (f"irreg_darien_dmg.rda: irreg_darien_dmg's monthly totals differ from "
                              f"irreg_darien_nat's in 1 month(s): 2023-05 {total + 10:,} vs {total:,}")


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, lzma.compress], ids=["plain", "gzip", "xz"])
def test_the_same_data_as_r_writes_it_otherwise_reads_the_same(nat, tmp_path, compress):
    variant = tmp_path / "irreg_darien_nat.rda"
    variant.write_bytes(compress(bz2.decompress(NAT_FILE.read_bytes())))
    assert sniff(variant.read_bytes()) == "rdata"
    again = read_rdata(variant, source_url=nat.rows.source_url[0], sha256=nat.rows.source_sha256[0])
    pd.testing.assert_frame_equal(again.rows, nat.rows)
    pd.testing.assert_frame_equal(again.annual, nat.annual)


def test_the_version_with_na_counts_fails_in_one_line_to_be_quarantined():
    with pytest.raises(CountError) as err:
        read_rdata(HISTORY / "nat_2677051.rda")
    assert str(err.value) == "nat_2677051.rda: irreg_darien_nat: 8 NA count(s) (n), first 2025-02 AFG"
    assert err.value.quarantine  # bad figures in a readable file: quarantined, not failed


def test_only_bad_counts_and_unknown_codes_are_quarantined():
    assert CountError.quarantine and UnknownCodeError.quarantine
    assert not TotalsMismatch.quarantine and not ParseError.quarantine and not UnreadableError.quarantine
    again = pickle.loads(pickle.dumps(UnknownCodeError("a.rda", "irreg_darien_nat: unknown nationality code(s)")))
    assert type(again) is UnknownCodeError and again.quarantine


def test_the_version_without_2020_to_2024_reads_what_it_holds():
    # The gap is for the gate to judge against the previous version, not for the reader.
    held = read_rdata(HISTORY / "nat_13362fb.rda")
    assert held.annual[held.annual.breakdown == "total"].set_index("year").persons.to_dict() == ANNUAL_TOTALS
    assert set(held.rows.year) == {2025} and (held.year, held.preliminary) == (2025, True)
    source_rows = (held.rows.breakdown == "country").sum() + (held.annual.breakdown == "country").sum()
    assert source_rows == 477  # the README: 477 rows


def test_the_first_version_ends_in_december_and_is_final():
    first = read_rdata(HISTORY / "nat_465d41e.rda")
    assert (first.year, first.as_of, first.preliminary) == (2024, date(2024, 12, 31), False)
    assert not first.rows.preliminary.any()
    assert totals(first.rows).groupby(level="year").sum().to_dict() == {
        y: n for y, n in MONTHLY_TOTALS.items() if y < 2025}
    dmg = read_rdata(HISTORY / "dmg_465d41e.rda")  # no `q` column: not needed
    check_sex_totals(first.rows, dmg.rows, name="dmg_465d41e.rda")


# Variants written with pyreadr from the real frame.

def real_frame() -> pd.DataFrame:
    return pyreadr.read_r(NAT_FILE)[NAT]


def write(tmp_path: Path, frame: pd.DataFrame, name: str = NAT) -> Path:
    path = tmp_path / f"{name}.rda"
    pyreadr.write_rdata(str(path), frame, df_name=name, compress="gzip")
    return path


def test_a_version_ending_in_january_has_a_monthly_newest_year(tmp_path):
    frame = real_frame()
    cut = frame[frame.t <= pd.Timestamp(2025, 1, 1).value // 86_400_000_000_000]
    read = read_rdata(write(tmp_path, cut))
    assert (read.year, read.as_of, read.preliminary) == (2025, date(2025, 1, 31), True)
    assert set(read.rows[read.rows.year == 2025].month) == {1} and not (read.annual.year == 2025).any()
    assert set(read.annual.year) == set(ANNUAL_TOTALS)


def test_a_file_with_both_objects_is_checked_as_a_whole(tmp_path, nat):
    path = tmp_path / "both.rda"
    dmg_frame = pyreadr.read_r(DMG_FILE)[DMG]
    pyreadr.write_rdata(str(path), real_frame(), df_name=NAT)
    # pyreadr writes one object per file; R's save() writes several: join two of its streams.
    one = tmp_path / "dmg.rda"
    pyreadr.write_rdata(str(one), dmg_frame, df_name=DMG)
    read = read_rdata(_two_objects(path, one, tmp_path / "joined.rda"))
    assert read.objects == (NAT, DMG)
    assert set(read.rows.breakdown) == {"total", "country", "sex", "sex_age"}


def _two_objects(first: Path, second: Path, target: Path) -> Path:
    """An RDX2 file holding both objects: the second file's pairlist spliced after the first's."""
    # R's save() writes `RDX2\nX\n` then a pairlist of (name, value) nodes ended by NILVALUE
    # (0xFE = 254): drop the first file's terminator and the second file's header.
    a = first.read_bytes()
    b = second.read_bytes()
    end = b"\x00\x00\x00\xfe"
    assert a.startswith(b"RDX2\nX\n") and a.endswith(end)
    header = len(b"RDX2\nX\n") + 3 * 4  # then the format, writer and reader versions
    target.write_bytes(a[: -len(end)] + b[header:])
    return target


@pytest.mark.parametrize("change, error, message", [
    (lambda f: f.assign(n=f.n.where(f.index != 165, -3.0)), CountError,
     "irreg_darien_nat: 1 negative count(s) (n), first 2015-01 TIB = -3"),
    (lambda f: f.assign(n=f.n.where(f.index != 165, 2.5)), CountError,
     "irreg_darien_nat: 1 non-whole count(s) (n), first 2015-01 TIB = 2.5"),
    (lambda f: f.assign(nat=f.nat.where(f.index != 165, "ZZZ")), UnknownCodeError,
     "irreg_darien_nat: unknown nationality code(s) 'ZZZ' in 1 row(s), first 2015-01 ZZZ"),
    (lambda f: f.assign(nat=f.nat.where(f.index != 165, "tib")), UnknownCodeError,
     "irreg_darien_nat: unknown nationality code(s) 'tib' in 1 row(s), first 2015-01 tib"),
    (lambda f: f.assign(nat=f.nat.where(f.index != 165, "TIB ")), UnknownCodeError,
     "irreg_darien_nat: unknown nationality code(s) 'TIB ' in 1 row(s), first 2015-01 TIB"),
    (lambda f: pd.concat([f, f.iloc[[165]]]), ParseError,
     "irreg_darien_nat: 1 repeated row(s), e.g. 2015-01 TIB"),
    (lambda f: f.iloc[:0], ParseError, "irreg_darien_nat has no rows"),
    (lambda f: f.drop(columns="n"), ParseError,
     "irreg_darien_nat has no column n (it has t, q, nat)"),
])
def test_a_bad_cell_fails_in_one_line_naming_the_file(tmp_path, change, error, message):
    frame = real_frame()
    assert frame.loc[165, "nat"] == "TIB" and frame.loc[165, "t"] == 16436  # 2015-01-01
    with pytest.raises(error) as err:
        read_rdata(write(tmp_path, change(frame).reset_index(drop=True)))
    assert str(err.value) == f"irreg_darien_nat.rda: {message}"


def test_an_unknown_sex_code_fails(tmp_path):
    frame = pyreadr.read_r(DMG_FILE)[DMG]
    frame.loc[5, "demog"] = "others"
    with pytest.raises(UnknownCodeError, match=r"^irreg_darien_dmg\.rda: irreg_darien_dmg: unknown sex code"):
        read_rdata(write(tmp_path, frame, DMG))


def test_r_data_without_the_darien_objects_is_skipped(tmp_path):
    path = write(tmp_path, real_frame(), "migrants")
    with pytest.raises(NotDarien) as err:
        read_rdata(path, source_url="https://example.org/data/migrants.rda")
    assert str(err.value) == ("migrants.rda: R data without irreg_darien_nat or irreg_darien_dmg "
                              "(it holds migrants): not the Darién re-publication")


def test_bytes_that_are_not_r_data_are_unreadable(tmp_path):
    path = tmp_path / "broken.rda"
    path.write_bytes(bz2.decompress(NAT_FILE.read_bytes())[:300])  # the file cut short
    with pytest.raises(UnreadableError, match=r"^broken\.rda: not readable R data \(.+\)$"):
        read_rdata(path)


# parse_document: an R data file is a document of its own kind, the re-publication's.

GDIDATA = "https://raw.githubusercontent.com/iom/gdidata/master/data/"


def test_parse_document_makes_a_republication_batch_of_the_nat_file(nat):
    sha256 = hashlib.sha256(NAT_FILE.read_bytes()).hexdigest()
    batch = parse_document(NAT_FILE, source_url=GDIDATA + "irreg_darien_nat.rda")
    assert (batch.kind, batch.source_kind, batch.file_name) == ("rdata", "republication", "irreg_darien_nat.rda")
    assert (batch.source_sha256, batch.year, batch.as_of, batch.preliminary) == (sha256, 2025, date(2025, 4, 30), True)
    assert batch.rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    assert batch.annual.dtypes.astype(str).to_dict() == contract.ANNUAL_COLUMNS
    for frame in (batch.rows, batch.annual):
        assert set(frame.source_url) == {GDIDATA + "irreg_darien_nat.rda"} and set(frame.source_sha256) == {sha256}
        assert set(frame.source_kind) == {"republication"}
    annual = batch.annual
    assert annual[annual.breakdown == "total"].set_index("year").persons.to_dict() == ANNUAL_TOTALS
    assert totals(batch.rows).groupby(level="year").sum().to_dict() == MONTHLY_TOTALS
    lineage = ["source_url"]
    pd.testing.assert_frame_equal(batch.rows.drop(columns=lineage), nat.rows.drop(columns=lineage))
    pd.testing.assert_frame_equal(batch.annual.drop(columns=lineage), nat.annual.drop(columns=lineage))
    # The file prints no sums: its totals are the sums of its rows, nothing to reconcile.
    assert batch.reconciliation.empty
    assert batch.reconciliation.dtypes.astype(str).to_dict() == contract.RECONCILIATION_COLUMNS


def test_parse_document_reads_the_dmg_file_and_the_first_version():
    dmg = parse_document(DMG_FILE)
    assert (dmg.kind, dmg.year, dmg.as_of, dmg.preliminary) == ("rdata", 2025, date(2025, 4, 30), True)
    assert set(dmg.rows.breakdown) == {"sex", "sex_age"} and dmg.annual.empty
    assert dmg.annual.dtypes.astype(str).to_dict() == contract.ANNUAL_COLUMNS
    first = parse_document(HISTORY / "nat_465d41e.rda")
    assert (first.year, first.as_of, first.preliminary) == (2024, date(2024, 12, 31), False)
    assert set(first.annual.year) == set(ANNUAL_TOTALS) and set(first.rows.year) == set(range(2020, 2025))


def test_parse_document_skips_other_r_data_and_quarantines_na_counts(tmp_path):
    with pytest.raises(NotDarien, match=r"^migrants\.rda: R data without irreg_darien_nat"):
        parse_document(write(tmp_path, real_frame(), "migrants"))
    with pytest.raises(CountError) as err:
        parse_document(HISTORY / "nat_2677051.rda")
    assert str(err.value) == "nat_2677051.rda: irreg_darien_nat: 8 NA count(s) (n), first 2025-02 AFG"
    assert err.value.quarantine
