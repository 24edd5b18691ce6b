"""`darien report --year`: a year of annual figures, a year of months, each naming its source."""

from __future__ import annotations

import sqlalchemy as sa

import cli
import load
import report
from report.markdown import too_wide
from tests.load.test_sources import SNM_URL, snm_2022
from tests.republication import NAT, RAW_URL


def _one(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _regions_from_nationality(engine, year: int) -> dict[str, int]:
    """The year's annual country rows summed by dim_country's SNM region, OTHER apart: the check's own sum."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT COALESCE(d.snm_region, 'unassigned'), SUM(a.persons) FROM darien_transit_annual a"
            " LEFT JOIN dim_country d ON d.iso3 = a.category WHERE a.year = :y AND a.breakdown = 'country'"
            " GROUP BY COALESCE(d.snm_region, 'unassigned')"), {"y": year}).all()
    return {region: int(persons) for region, persons in rows}


def test_a_year_of_annual_figures_states_them_as_annual_with_their_source(republished):
    figures = report.year_figures(republished, 2017)
    # The re-publication's README: 6,780 in 2017; the shares its nationalities give by SNM's regions.
    assert figures.total == 6_780 == _one(republished, "SELECT persons FROM darien_transit_annual"
                                                       " WHERE year = 2017 AND breakdown = 'total'")
    assert (figures.basis, figures.months, figures.source_kind) == ("annual", None, "republication")
    assert figures.regions == _regions_from_nationality(republished, 2017) and figures.regions_derived
    assert figures.sources == [RAW_URL + NAT.name]
    text = report.paragraph(figures)
    assert text.startswith("**6,780 people** crossed the Darién irregularly from Colombia into Panama in 2017 "
                           "(annual figures, source: IOM's re-publication of SNM's series (gdidata)).")
    assert "By region of origin (derived from nationality): Asia 60.6%, Africa 25.9%, the Caribbean 11.6%." in text
    assert "77% fewer than the 30,055 of 2016." in text  # the README's 2016
    line = report.source_line(figures)
    assert f"`irreg_darien_nat.rda` ({RAW_URL}irreg_darien_nat.rda) (annual figures)" in line
    assert "not assigned to a region" in line


def test_the_nationalities_without_a_region_are_unassigned_not_other(republished):
    figures = report.year_figures(republished, 2024)
    other = _one(republished, "SELECT SUM(persons) FROM darien_transit WHERE year = 2024 AND category = 'OTHER'")
    assert other > 0 and figures.regions["unassigned"] == other
    assert "other" not in figures.regions
    assert report.news.REGION_NAMES["unassigned"] == "not assigned to a region"


def test_a_year_of_months_from_the_republication_compares_with_the_annual_year_before(republished):
    figures = report.year_figures(republished, 2020)
    assert (figures.total, figures.months, figures.basis) == (6_465, 12, "months")
    assert figures.as_of == "2020-12-31"
    text = report.paragraph(figures)
    assert ("**6,465 people** crossed the Darién irregularly from Colombia into Panama in 2020, according to "
            "IOM's re-publication of SNM's series (gdidata).") in text
    assert "That is 71% fewer than the 22,102 of 2019." in text  # 6,465 / 22,102 - 1 = -70.7 %
    haiti = _one(republished, "SELECT SUM(persons) FROM darien_transit WHERE year = 2020 AND category = 'HTI'")
    assert f"The most frequent nationalities were Haiti ({haiti:,})," in text  # dim_country's name_en, not the code

    partial = report.year_figures(republished, 2025)
    assert (partial.total, partial.months, partial.preliminary) == (2_904, 4, True)
    same_2024 = _one(republished, "SELECT SUM(persons) FROM darien_transit WHERE year = 2024"
                                  " AND breakdown = 'total' AND month <= 4")
    assert f"of the same months of 2024" in report.paragraph(partial) and f"{same_2024:,}" in report.paragraph(partial)
    assert "(4 months, January to April, preliminary)" in report.source_line(partial)


def test_snm_years_keep_their_report_and_name_snm_s_file(republished):
    load.publish(republished, snm_2022(preliminary=True))  # SNM's January and February 2022
    figures = report.year_figures(republished, 2022)
    assert (figures.total, figures.months, figures.source_kind, figures.regions_derived) == (211, 2, "snm", False)
    assert figures.regions == {"south_america": 131, "caribbean": 80}
    text = report.paragraph(figures)
    assert text.startswith("**211 people** crossed the Darién irregularly from Colombia into Panama from January "
                           "to February 2022 (figures to 2022-02-28), according to Panama's National Migration "
                           "Service (SNM), in preliminary figures.")
    jan_feb_2021 = _one(republished, "SELECT SUM(persons) FROM darien_transit WHERE year = 2021"
                                     " AND breakdown = 'total' AND month <= 2")
    change = round(abs(211 - jan_feb_2021) / jan_feb_2021 * 100)
    assert f"{change}% {'more' if 211 >= jan_feb_2021 else 'fewer'} than the {jan_feb_2021:,}" in text
    assert "South America 62.1%, the Caribbean 37.9%." in text  # 131 and 80 of 211
    assert report.source_line(figures) == (f"Source: SNM's file `DARIEN-2022.pdf` ({SNM_URL}) "
                                           "(2 months, January to February, preliminary).")


def _tables(markdown: str) -> list[list[list[str]]]:
    """Each markdown table of the text: its header and body rows as lists of stripped cells."""
    tables, rows = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            tables.append([rows[0], *rows[2:]])
            rows = []
    return tables


def test_the_latest_month_names_its_source_and_derives_its_regions(republished):
    text = report.latest_month(republished)
    april = _one(republished, "SELECT persons FROM darien_transit WHERE year = 2025 AND month = 4 AND breakdown = 'total'")
    assert text.startswith(f"**April 2025: {april:,} persons** (preliminary)")
    assert f"Source: IOM's re-publication of SNM's series (gdidata): `irreg_darien_nat.rda` ({RAW_URL}irreg_darien_nat.rda)." in text
    assert too_wide(text) == []
    regions, countries = _tables(text)
    assert regions[0] == ["region (derived from nationality)", "SNM's name", "persons", "share"]
    venezuela = _one(republished, "SELECT persons FROM darien_transit WHERE year = 2025 AND month = 4 AND category = 'VEN'")
    assert ["Venezuela", "VEN", f"{venezuela:,}"] in countries
    unassigned = _one(republished, "SELECT persons FROM darien_transit WHERE year = 2025 AND month = 4 AND category = 'OTHER'")
    assert ["not assigned to a region", "", f"{unassigned:,}", f"{unassigned / april:.1%}"] in regions
    caribbean = _regions_from_month(republished, 2025, 4)["caribbean"]
    assert ["Caribbean", "Antillas", f"{caribbean:,}", f"{caribbean / april:.1%}"] in regions


def _regions_from_month(engine, year: int, month: int) -> dict[str, int]:
    """The month's country rows summed by dim_country's SNM region: the check's own sum."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT COALESCE(d.snm_region, 'unassigned'), SUM(t.persons) FROM darien_transit t"
            " LEFT JOIN dim_country d ON d.iso3 = t.category WHERE t.year = :y AND t.month = :m"
            " AND t.breakdown = 'country' GROUP BY COALESCE(d.snm_region, 'unassigned')"), {"y": year, "m": month}).all()
    return {region: int(persons) for region, persons in rows}


def test_the_latest_month_is_in_english_with_snm_s_names_beside_and_footnotes_read_as_their_meaning(
        engine, batch_2023):
    load.publish(engine, batch_2023)  # SNM's own 2023 file, January to August
    text = report.latest_month(engine)

    assert text.startswith("**August 2023: 81,946 persons** (preliminary)")  # the golden CSV's August total
    assert too_wide(text) == []
    regions, countries = _tables(text)
    assert regions[0] == ["region", "SNM's name", "persons", "share"]
    # Cuadro POR REGIÓN, August 2023, as printed: Antillas 1,777, América del Sur 75,471.
    assert ["Caribbean", "Antillas", "1,777", "2.2%"] in regions and ["South America", "América del Sur", "75,471",
                                                                       "92.1%"] in regions
    assert countries[0] == ["country", "ISO3", "persons", "note"]
    with engine.connect() as conn:
        english = dict(conn.execute(sa.text("SELECT iso3, name_en FROM dim_country")).all())
        note = conn.execute(sa.text("SELECT DISTINCT note FROM darien_transit WHERE year = 2023 AND month = 8"
                                    " AND category = 'CHL'")).scalar()
    assert all(name == english[iso3] for name, iso3, *_ in countries[1:])  # Haiti, Peru: not Haití, Perú
    # The 2023 file prints "Chile (1)" 307 in August, footnote (1): children of Haitian parents.
    assert ["Chile", "CHL", "307", "children of Haitian parents"] in countries
    assert note == "Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países."
    assert (f"- Chile: children of Haitian parents whose birth was registered there, not migrants of that "
            f"nationality in the usual sense (SNM's note: “{note}”)") in text.splitlines()
    assert "(1)" not in text and "Antillas" not in [row[0] for row in regions]


def test_darien_report_year_writes_the_annual_summary_and_the_series_chart(republished, warehouse_url, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", "--warehouse", warehouse_url, "--year", "2017", "--out", str(out)]) == 0
    text = (out / "summary_2017.md").read_text(encoding="utf-8")
    assert "**6,780 people**" in text and "(annual figures, source: IOM's re-publication" in text
    assert "Source: IOM's re-publication of SNM's series (gdidata): `irreg_darien_nat.rda`" in text
    assert "![Annual transit by region since the first year](series.png)" in text
    assert (out / "series.png").read_bytes().startswith(b"\x89PNG")
    assert "wrote" in capsys.readouterr().out
