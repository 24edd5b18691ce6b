"""The two real SNM PDFs: every table's rows against golden CSVs, checked by hand against the PDF.

The golden files were written by the parser, then every row was compared with the text
pdfplumber's extract_text() gives for the same line (label and all thirteen figures) and
with the printed Total rows. Regenerate only on purpose: DARIEN_REGENERATE_GOLDEN=1 (tests/golden.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import transform
from darien import contract
from tests import golden

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"
GOLDEN_COLUMNS = ["year", "month", "breakdown", "category", "label", "persons", "note",
                  "preliminary", "as_of", "source_table", "source_page"]
HAITIAN_PARENTS = "Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países."


@pytest.fixture
def batches(batch_2022, batch_2023) -> dict[str, contract.Batch]:
    """The two real documents, parsed once for the session (tests/conftest.py)."""
    return {"2022": batch_2022, "2023": batch_2023}


def _golden_frame(batch: contract.Batch) -> pd.DataFrame:
    frame = batch.rows[GOLDEN_COLUMNS].copy()
    frame["as_of"] = frame["as_of"].dt.strftime("%Y-%m-%d")
    return frame.reset_index(drop=True)


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_rows_match_the_golden_csv(batches, year):
    path = GOLDEN / f"real_{year}.csv"
    got = _golden_frame(batches[year])
    if golden.regenerating("DARIEN_REGENERATE_GOLDEN"):
        golden.rewrite({path: got.to_csv(index=False)})
    want = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert got.astype(object).fillna("").astype(str).to_dict("records") == want.to_dict("records")


def test_2022_venezuela_as_printed(batches):
    rows = batches["2022"].rows
    venezuela = rows[(rows.breakdown == "country") & (rows.category == "VEN")]
    assert venezuela.persons.sum() == 150_327
    assert venezuela.set_index("month").persons[9] == 38_399
    assert set(venezuela.source_table) == {"Cuadro No. 003"} and set(venezuela.source_page) == {2}


def test_2022_is_a_final_full_year(batches):
    batch = batches["2022"]
    assert (batch.year, batch.as_of, batch.preliminary) == (2022, date(2022, 12, 31), False)
    totals = batch.rows[batch.rows.breakdown == "total"]
    assert list(totals.month) == list(range(1, 13)) and totals.persons.sum() == 248_284
    assert batch.modified_at.isoformat() == "2023-03-21T15:16:33-05:00"


def test_2022_condition_tables_follow_their_labels(batches):
    rows = batches["2022"].rows
    by_breakdown = rows.groupby("breakdown").persons.sum()
    # Cuadro 002 (Hombres/Mujeres) and 004 (Adultos/Menores) share a title, not a breakdown.
    assert by_breakdown["sex"] == by_breakdown["age_status"] == 248_284
    male = rows[(rows.breakdown == "sex") & (rows.category == "male")]
    assert male.persons.sum() == 179_170 and set(male.source_table) == {"Cuadro No. 002"}
    minors = rows[(rows.breakdown == "age_status") & (rows.category == "minor")]
    assert minors.persons.sum() == 40_438 and set(minors.source_table) == {"Cuadro No. 004"}


def test_2023_reports_january_to_august_only(batches):
    batch = batches["2023"]
    assert (batch.year, batch.as_of, batch.preliminary) == (2023, date(2023, 8, 31), True)
    assert set(batch.rows.month) == set(range(1, 9))
    totals = batch.rows[batch.rows.breakdown == "total"].set_index("month").persons
    assert totals.sum() == 333_704
    # The README's monthly 2023 figures, January to August.
    assert list(totals) == [24_634, 24_657, 38_099, 40_297, 38_962, 29_722, 55_387, 81_946]


def test_2023_gender_table_is_sex_by_age(batches):
    rows = batches["2023"].rows
    sex_age = rows[rows.breakdown == "sex_age"].groupby("category").persons.sum()
    assert sex_age.to_dict() == {"female_adult": 84_546, "female_minor": 33_467,
                                 "male_adult": 177_535, "male_minor": 38_156}


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_footnote_markers_keep_the_label_and_carry_the_note(batches, year):
    rows = batches[year].rows
    chile = rows[rows.category == "CHL"]
    assert set(chile.label) == {"Chile (1)"} and set(chile.note) == {HAITIAN_PARENTS}
    assert rows[rows.category == "VEN"].note.isna().all()


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_every_table_adds_up(batches, year):
    recon = batches[year].reconciliation
    assert set(recon.check) == {"rows_sum", "total_column", "document_total"}
    assert set(recon.source_table) == {"Cuadro No. 001", "Cuadro No. 002", "Cuadro No. 003", "Cuadro No. 004"}
    assert (recon.expected == recon.actual).all()
    assert recon[(recon.check == "rows_sum") & (recon.month == 0)].expected.unique().tolist() == [
        {"2022": 248_284, "2023": 333_704}[year]]


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_batch_has_the_contract_shape(batches, year):
    batch = batches[year]
    assert batch.rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    assert batch.reconciliation.dtypes.astype(str).to_dict() == contract.RECONCILIATION_COLUMNS
    assert batch.rows.load_id.isna().all() and batch.rows.loaded_at.isna().all()
    assert set(batch.rows.pipeline_version) == {contract.PIPELINE_VERSION}
    assert set(batch.rows.source_sha256) == {batch.source_sha256} and len(batch.source_sha256) == 64
    assert batch.source_url.startswith("file://") and batch.kind == "pdf" and batch.unknown_tables == []
    assert not batch.rows.duplicated(list(contract.PRIMARY_KEY)).any()
    assert not (batch.rows.category == contract.UNMAPPED).any()


def test_source_url_and_sha256_are_passed_through(real_2023):
    batch = transform.parse_document(real_2023, source_url="https://example.test/a.pdf", sha256="ab" * 32)
    assert batch.source_url == "https://example.test/a.pdf" and batch.short == "ababab"
    assert set(batch.rows.source_url) == {"https://example.test/a.pdf"}


def test_the_cut_off_line_is_read_in_every_spelling_of_the_month():
    from transform.document import _cut_off

    assert _cut_off(["Cifras preliminares al 31 de agosto del 2023 sujetas a revisión"]) == date(2023, 8, 31)
    assert _cut_off(["Cifras preliminares al 30 de setiembre de 2024 sujetas a revisión"]) == date(2024, 9, 30)
    assert _cut_off(["Cifras preliminares al 31 de foo del 2023"]) is None
