"""transform.annual: SNM's historical summary read off generated PDFs that print the re-publication's real 2010-2019 figures."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadr
import pytest

from darien import contract
from extract.links import is_darien_transit, kind_of
from transform.annual import ANNUAL_READ_COLUMNS, ANNUAL_RECONCILIATION_COLUMNS, read_annual_pdf
from transform.document import parse_document
from transform.errors import LayoutError, NoTableError, NoTextError, NotDarien, UnreadableError

from tests.transform.annual_documents import Summary, write_summary

NAT_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "republication" / "irreg_darien_nat.rda"
YEARS = list(range(2010, 2020))
# The republication README's annual totals, which SNM's historical summary gives.
TOTALS = {2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289,
          2016: 30_055, 2017: 6_780, 2018: 9_222, 2019: 22_102}
# Printed labels of the countries the stand-in lists (SNM's spellings); the rest go to `Otros`.
PRINTED = {"CUB": "Cuba", "HTI": "Haití", "NPL": "Nepal", "IND": "India", "BGD": "Bangladesh",
           "CMR": "Camerún", "COG": "Congo", "LKA": "Sri Lanka"}


@pytest.fixture(scope="module")
def figures() -> dict[str, dict[int, int]]:
    """2010-2019 by code from the re-publication's R data ('OTHER' for every country not listed)."""
    frame = pyreadr.read_r(NAT_FILE)["irreg_darien_nat"]
    frame = frame.assign(year=pd.to_datetime(frame.t, unit="D").dt.year)
    frame = frame[frame.year < 2020].assign(code=lambda f: f.nat.where(f.nat.isin(list(PRINTED)), "OTHER"))
    sums = frame.groupby(["code", "year"]).n.sum()
    return {code: {int(y): int(n) for y, n in sums[code].items() if n} for code in [*PRINTED, "OTHER"]}


def summary(figures, **options) -> Summary:
    rows = {PRINTED.get(code, "Otros"): by_year for code, by_year in figures.items()}
    return Summary(years=YEARS, rows=rows, **options)


def expected(figures) -> dict[tuple[int, str, str], int]:
    cells = {(y, "total", "total"): n for y, n in TOTALS.items()}
    cells |= {(y, "country", code): by_year.get(y, 0) for code, by_year in figures.items() for y in YEARS}
    return cells


def read(tmp_path: Path, spec: Summary, name: str = "ESTADISTICAS_2010-2019.pdf"):
    return read_annual_pdf(write_summary(spec, tmp_path / name), name)


def test_the_figures_add_up_to_the_readme_totals(figures):
    assert {y: sum(f.get(y, 0) for f in figures.values()) for y in YEARS} == TOTALS


@pytest.mark.parametrize("years_as", ["columns", "rows"])
@pytest.mark.parametrize("total_row_first", [True, False], ids=["total-first", "total-last"])
def test_both_orientations_read_back_the_real_figures(tmp_path, figures, years_as, total_row_first):
    spec = summary(figures, years_as=years_as, total_row_first=total_row_first)
    read_back = read(tmp_path, spec)
    rows = read_back.rows
    assert rows.dtypes.astype(str).to_dict() == ANNUAL_READ_COLUMNS
    assert {(r.year, r.breakdown, r.category): r.persons for r in rows.itertuples()} == expected(figures)
    assert set(rows[rows.category == "OTHER"].label) == {"Otros"}
    assert set(rows[rows.category == "HTI"].label) == {"Haití"}
    assert set(rows[rows.category == "LKA"].label) == {"Sri Lanka"}  # a two-word column header
    assert set(rows[rows.breakdown == "total"].label) == {"Total"}
    assert set(rows.source_table) == {"Cuadro No. 001"} and set(rows.source_page) == {1}
    assert not rows.preliminary.any() and (rows.as_of == pd.to_datetime(rows.year.astype(str) + "-12-31")).all()
    assert rows.note.isna().all()
    recon = read_back.reconciliation
    assert recon.dtypes.astype(str).to_dict() == ANNUAL_RECONCILIATION_COLUMNS
    assert (recon.expected == recon.actual).all()
    # Every year's countries against the Total, and every row's years against the Total column.
    assert (recon.check == "rows_sum").sum() == 10 and (recon.check == "total_column").sum() == 10
    assert recon[(recon.check == "total_column") & (recon.label == "Total")].expected.tolist() == [109_293]


def test_split_digits_are_read_as_one_number(tmp_path, figures):
    # "2 9,289" is two words on the page: the 2015 total.
    spec = summary(figures)
    import pdfplumber

    with pdfplumber.open(write_summary(spec, tmp_path / "split.pdf")) as pdf:
        texts = [w["text"] for w in pdf.pages[0].extract_words()]
    assert "29,289" not in texts[: texts.index("Gráfico")] and "9,289" in texts
    rows = read_annual_pdf(tmp_path / "split.pdf", "split.pdf").rows
    assert rows.set_index(["year", "category"]).persons[(2015, "total")] == 29_289


@pytest.mark.parametrize("years_as", ["columns", "rows"])
def test_without_chart_or_split_digits_the_same_rows(tmp_path, figures, years_as):
    plain = read(tmp_path, summary(figures, years_as=years_as, chart=False, split_numbers=False)).rows
    assert {(r.year, r.breakdown, r.category): r.persons for r in plain.itertuples()} == expected(figures)


def test_years_as_columns_without_a_total_column(tmp_path, figures):
    read_back = read(tmp_path, summary(figures, total_column=False))
    assert len(read_back.rows) == len(expected(figures))
    assert set(read_back.reconciliation.check) == {"rows_sum"}


def test_without_a_cuadro_number_the_title_names_the_table(tmp_path, figures):
    rows = read(tmp_path, summary(figures, cuadro=None)).rows
    assert set(rows.source_table) == {"TRÁNSITO IRREGULAR DE EXTRANJEROS POR LA FRONTERA CON COLOMBIA, "
                                      "SEGÚN PAÍS DE NACIONALIDAD: AÑOS 2010-2019"}


def test_years_as_rows_without_yearly_totals_fails_in_one_line(tmp_path, figures):
    with pytest.raises(LayoutError) as err:
        read(tmp_path, summary(figures, years_as="rows", total_column=False), "summary.pdf")
    assert str(err.value) == ("summary.pdf: Cuadro No. 001 has no Total of each year (a Total row under "
                              "years as columns, a Total column beside years as rows)")


def test_a_page_without_a_table_of_years_fails_in_one_line(tmp_path, figures):
    # Only the chart: bar values, year labels and percentages, no table.
    from reportlab.pdfgen import canvas as pdf

    from tests.transform.annual_documents import _chart

    path = tmp_path / "chart.pdf"
    page = pdf.Canvas(str(path))
    _chart(page, summary(figures), 700)
    page.save()
    with pytest.raises(NoTableError, match=r"^chart\.pdf: no table of years by nationality "
                                           r"\(years as columns or as rows\) in \d+ lines of text$"):
        read_annual_pdf(path, "chart.pdf")


def test_a_monthly_snm_table_is_no_table_of_years(tmp_path):
    from tests import snm_documents as snm

    path = snm.write_pdf(snm.document_spec(2023, seed=3), tmp_path / "2023.pdf")
    with pytest.raises(NoTableError):
        read_annual_pdf(path, "2023.pdf")


def test_no_text_and_not_a_pdf(tmp_path):
    from reportlab.pdfgen import canvas as pdf

    blank = tmp_path / "blank.pdf"
    page = pdf.Canvas(str(blank))
    page.rect(100, 100, 200, 200, fill=1)
    page.save()
    with pytest.raises(NoTextError, match=r"^blank\.pdf: no text"):
        read_annual_pdf(blank, "blank.pdf")
    other = tmp_path / "other.pdf"
    other.write_bytes(b"not a PDF at all")
    with pytest.raises(UnreadableError, match=r"^other\.pdf: not a readable PDF"):
        read_annual_pdf(other, "other.pdf")


@pytest.mark.parametrize("text, name", [
    ("Estadísticas 2010-2019 Tránsito irregular por Darién", "ESTADISTICAS-2010-2019.pdf"),
    ("Histórico 2010-2019", "IRREGULARES_POR_DARIEN_2010-2019.pdf"),
    ("Estadísticas históricas", "TRANSITO_IRREGULAR_DARIEN_2010_2019.pdf"),
])
def test_the_crawler_admits_a_historical_summary_named_for_darien_transit(text, name):
    assert is_darien_transit(text, name) and kind_of(name) == "pdf"


# parse_document: a PDF without monthly tables but with a table of years is SNM's historical summary.

SUMMARY_TITLE = "TRÁNSITO IRREGULAR DE EXTRANJEROS POR LA FRONTERA CON COLOMBIA (DARIÉN) 2010-2019"
SUMMARY_URL = "https://www.migracion.gob.pa/wp-content/uploads/ESTADISTICAS-2010-2019.pdf"


@pytest.fixture(scope="module")
def republished() -> pd.DataFrame:
    """The re-publication's annual rows, as parse_document reads irreg_darien_nat.rda."""
    return parse_document(NAT_FILE).annual


def summary_cells(annual: pd.DataFrame) -> dict[tuple[int, str, str], int]:
    """Annual rows as (year, breakdown, category) -> persons, the countries the stand-in does not list summed into OTHER."""
    listed = annual.breakdown.eq("total") | annual.category.isin(list(PRINTED))
    code = annual.category.where(listed, contract.OTHER_COUNTRIES)
    return {key: int(n) for key, n in annual.assign(category=code).groupby(
        ["year", "breakdown", "category"]).persons.sum().items()}


@pytest.mark.parametrize("years_as", ["columns", "rows"])
def test_parse_document_reads_the_summary_as_annual_rows_equal_to_the_republication(
        tmp_path, figures, republished, years_as):
    spec = summary(figures, years_as=years_as, title=SUMMARY_TITLE, cuadro=None)
    path = write_summary(spec, tmp_path / "ESTADISTICAS-2010-2019.pdf")
    batch = parse_document(path, source_url=SUMMARY_URL)
    assert (batch.kind, batch.source_kind, batch.file_name) == ("pdf", "snm", "ESTADISTICAS-2010-2019.pdf")
    assert (batch.year, batch.as_of, batch.preliminary) == (2019, date(2019, 12, 31), False)
    assert batch.rows.empty and batch.rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    annual = batch.annual
    assert annual.dtypes.astype(str).to_dict() == contract.ANNUAL_COLUMNS
    # Every cell the summary prints is the re-publication's figure (its unlisted countries in
    # Otros); a `-` is a 0 where the re-publication leaves the zero out.
    read = {(r.year, r.breakdown, r.category): r.persons for r in annual.itertuples()}
    zeros = {key for key, n in read.items() if n == 0}
    assert {key: n for key, n in read.items() if n} == summary_cells(republished)
    assert len(zeros) == 10 and not zeros & set(summary_cells(republished))
    assert {y: read[(y, "total", "total")] for y in YEARS} == TOTALS
    assert read[(2019, "country", "HTI")] == figures["HTI"][2019]
    assert set(annual.source_url) == {SUMMARY_URL} and set(annual.source_kind) == {"snm"}
    assert set(annual.source_sha256) == {hashlib.sha256(path.read_bytes()).hexdigest()}
    assert set(annual.pipeline_version) == {contract.PIPELINE_VERSION}
    assert annual.load_id.isna().all() and annual.loaded_at.isna().all()
    assert set(annual.source_table) == {SUMMARY_TITLE} and set(annual.source_page) == {1}
    assert not annual.preliminary.any() and (annual.as_of == pd.to_datetime(annual.year.astype(str) + "-12-31")).all()
    assert set(annual[annual.category == "OTHER"].label) == {"Otros"}
    # The printed Total column, checked against each row's years.
    recon = batch.reconciliation
    assert recon.dtypes.astype(str).to_dict() == contract.RECONCILIATION_COLUMNS
    assert set(recon.check) == {"total_column"} and set(recon.month) == {0} and len(recon) == len(PRINTED) + 2
    assert recon.set_index("label").expected["Total"] == sum(TOTALS.values()) == 109_293
    assert (recon.expected == recon.actual).all()


def test_a_summary_without_a_total_column_has_nothing_printed_to_reconcile(tmp_path, figures):
    path = write_summary(summary(figures, total_column=False), tmp_path / "summary.pdf")
    batch = parse_document(path)
    assert batch.reconciliation.empty and len(batch.annual) == len(expected(figures))


def test_parse_document_fails_in_one_line_on_a_summary_it_cannot_read(tmp_path, figures):
    path = write_summary(summary(figures, years_as="rows", total_column=False), tmp_path / "summary.pdf")
    with pytest.raises(LayoutError) as err:
        parse_document(path)
    assert str(err.value) == ("summary.pdf: Cuadro No. 001 has no Total of each year (a Total row under "
                              "years as columns, a Total column beside years as rows)")


def test_a_darien_pdf_with_neither_table_names_both_in_one_line(tmp_path, figures):
    # The title and the chart, no table: not a monthly SNM document, not a summary.
    from reportlab.pdfgen import canvas as pdf

    from tests.transform.annual_documents import _chart

    path = tmp_path / "chart.pdf"
    page = pdf.Canvas(str(path))
    page.drawString(40, 800, SUMMARY_TITLE)
    _chart(page, summary(figures), 700)
    page.save()
    with pytest.raises(NoTableError) as err:
        parse_document(path)
    assert re.fullmatch(r"chart\.pdf: no monthly SNM table \(0 unknown table\(s\)\) and no table of years by "
                        r"nationality \(years as columns or as rows\), in \d+ lines of text", str(err.value))


def test_the_first_page_screen_still_applies_to_a_summary(tmp_path, figures):
    other = summary(figures, title="ESTADÍSTICAS DE MOVIMIENTO MIGRATORIO 2010-2019", chart=False)
    with pytest.raises(NotDarien, match=r"^movimiento\.pdf: no Darién transit markers on its first page"):
        parse_document(write_summary(other, tmp_path / "movimiento.pdf"))
