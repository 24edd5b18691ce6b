"""The series since 2010 (`darien report --series`, the run's `series` artifact): one source per year, partial years marked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import cli
import load
import report
from flows.artifacts import series_markdown
from report.markdown import too_wide
from tests.republication import RAW_URL

# The re-publication's README (../shared/snm/republications/README.md): its annual totals.
README_TOTALS = {
    2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289, 2016: 30_055, 2017: 6_780,
    2018: 9_222, 2019: 22_102, 2020: 6_465, 2021: 133_726, 2022: 248_284, 2023: 520_085, 2024: 302_203,
    2025: 2_904,
}


def query_total(engine, year: int, month: int) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT persons FROM darien_transit WHERE breakdown = 'total'"
                                    " AND year = :y AND month = :m"), {"y": year, "m": month}).scalar()


def test_the_series_is_the_republication_s_year_by_year(republished):
    series = report.series.years(republished)
    assert {y.year: y.total for y in series} == README_TOTALS
    assert {y.year for y in series if y.basis == "annual"} == set(range(2010, 2020))
    assert {y.year: y.months for y in series if y.basis == "months"} == {
        2020: 12, 2021: 12, 2022: 12, 2023: 12, 2024: 12, 2025: 4}
    assert [y.year for y in series if y.partial] == [2025] and series[-1].mark == "Jan–Apr, preliminary"
    assert all(sum(y.regions.values()) == y.total and y.regions_derived for y in series)
    # The 2018 analysis from SNM's figures: 2010-2016, 80 % from Cuba and Haiti.
    with republished.connect() as conn:
        cuba_haiti = conn.execute(sa.text("SELECT SUM(persons) FROM v_annual_series WHERE year BETWEEN 2010 AND 2016"
                                          " AND category IN ('CUB', 'HTI')")).scalar()
    assert f"{cuba_haiti / sum(README_TOTALS[y] for y in range(2010, 2017)):.1%}" == "80.1%"


def test_a_partial_snm_year_takes_the_place_of_the_republication_s_whole_year(republished, batch_2023):
    load.publish(republished, batch_2023)  # SNM's own 2023 file, January to August, preliminary
    series = {y.year: y for y in report.series.years(republished)}
    y2023 = series[2023]
    assert (y2023.total, y2023.months, y2023.source_kind, y2023.partial) == (333_704, 8, "snm", True)
    assert y2023.mark == "Jan–Aug, preliminary" and not y2023.regions_derived
    text = report.series.markdown(republished)
    assert too_wide(text) == []
    rows = {r[0]: r for r in _rows(text)}
    nat_sha = series[2017].versions[0][1]
    assert rows["2023"] == ["2023", "333,704", "Jan–Aug", "yes", "SNM: TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf",
                            batch_2023.source_sha256[:6]]
    assert rows["2017"] == ["2017", "6,780", "annual", "no", "gdidata: irreg_darien_nat.rda", nat_sha[:6]]
    assert rows["2025"] == ["2025", "2,904", "Jan–Apr", "yes", "gdidata: irreg_darien_nat.rda", nat_sha[:6]]
    assert rows["2024"][2] == "12 months"
    # Each document whole, once, below the table: its sha256, the years it gives, its URL.
    assert f"- `irreg_darien_nat.rda` {nat_sha[:12]} (2010–2022, 2024–2025): {RAW_URL}irreg_darien_nat.rda" in text
    assert f"- `TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf` {batch_2023.source_sha256[:12]} (2023): " in text
    assert "Regions for 2010–2022, 2024–2025 are summed from nationality" in text


def _rows(markdown: str) -> list[list[str]]:
    """The body rows of the markdown's table, as lists of stripped cells."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]


def test_a_long_document_name_is_cut_in_the_middle_to_fit_its_cell(republished):
    series = report.series.years(republished)
    name = "IRREGULARES-POR-DARIEN-NOVIEMBRE-2024.pdf"  # 41 characters: SNM's monthly files
    series[-1].sources = ["https://www.migracion.gob.pa/wp-content/uploads/" + name]
    text = report.series.markdown(republished, series)
    assert too_wide(text) == []
    assert _rows(text)[-1][4] == "gdidata: IRREGULARE…NOVIEMBRE-2024.pdf"  # 38 characters


def test_darien_report_series_writes_the_chart_and_the_table(republished, warehouse_url, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", "--warehouse", warehouse_url, "--series", "--out", str(out)]) == 0
    assert (out / "series.png").read_bytes().startswith(b"\x89PNG")
    text = (out / "series.md").read_text(encoding="utf-8")
    assert text.startswith("# Darién crossings since 2010\n") and "![Annual transit by region](series.png)" in text
    rows = {r[0]: r[:3] for r in _rows(text)}
    assert rows["2019"] == ["2019", "22,102", "annual"] and rows["2020"] == ["2020", "6,465", "12 months"]
    assert cli.main(["report", "--warehouse", warehouse_url, "--series", "--year", "2017"]) == 2  # one or the other


def test_the_series_artifact_carries_the_table_and_the_chart(republished, tmp_path):
    chart = tmp_path / "reports" / "series.png"
    markdown = series_markdown(republished, chart)
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert _rows(markdown)[0][:3] == ["2010", "559", "annual"]
    assert "![Annual transit by region since 2010](data:image/png;base64," in markdown
    assert f"Chart file: `{chart.resolve()}` (annual transit by region since 2010)" in markdown


@pytest.mark.slow
def test_the_monthly_chart_keeps_a_place_for_months_without_figures(republished, batch_2023, tmp_path):
    load.publish(republished, batch_2023)
    wide, caption = report.news.monthly_by_region(republished)
    assert len(wide) == 12 * 5 + 4  # January 2020 to April 2025
    assert wide.loc[(2020, 4)].sum() == wide.loc[(2020, 5)].sum() == wide.loc[(2020, 7)].sum() == 0  # reported 0s
    assert [int(wide.loc[(2023, m)].sum()) for m in (1, 9, 12)] == [24_634, 0, 0]  # SNM's file ends in August
    assert int(wide.loc[(2023, 1), "south_america"]) == 11_014  # SNM's own region table (the golden CSV)
    assert wide.loc[(2024, 1)].sum() == query_total(republished, 2024, 1)
    assert caption == ("Sources: SNM's own files (2023); IOM's re-publication of SNM's series (gdidata) (2020–2022, "
                       "2024–2025). Regions summed from nationality where a year has no region table. "
                       "No figures for 09/2023, 10/2023, 11/2023, 12/2023.")
    assert report.chart(republished, tmp_path / "transit_by_region.png").read_bytes().startswith(b"\x89PNG")
