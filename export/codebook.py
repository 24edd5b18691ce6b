"""The codebook: what every breakdown, category, column and exported table means, and the traps.

This is the one place it is written; `markdown()` renders it into README.md's Codebook
section and `export.package` into datapackage.json, and tests keep both equal to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from darien import contract
from load import dimensions

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Breakdown:
    """One way SNM splits the month's crossings; its categories partition that month's total."""

    counts: str
    years: str
    categories: dict[str, str]


AGE_GROUP_NOTES = {g: f"aged {g.replace('-', ' to ')}" for g in contract.AGE_GROUPS[:-2]}
AGE_GROUP_NOTES.update({"78+": "aged 78 or more", "unknown": "age not stated (No especificado)"})

BREAKDOWNS: dict[str, Breakdown] = {
    "total": Breakdown("everyone who crossed in the month (the Total row every table shares), or in the year "
                       "in darien_transit_annual", "2010 on (2010-2019 annual)", {"total": "all persons"}),
    "region": Breakdown("persons by SNM's region of nationality (Cuadro POR REGIÓN)",
                        "2021 on, SNM's files only (v_annual_series derives it from nationality for other years)",
                        {c: f"{es} ({en})" for c, (es, en) in dimensions.REGION_NAMES.items()}),
    "country": Breakdown(
        "persons by nationality (SNM: Cuadro POR PAÍS, the ~35 largest countries of the year, the rest in "
        "OTHER; the re-publication: the nationalities it lists, the rest in OTHER)", "2010 on (2010-2019 annual)",
        {contract.OTHER_COUNTRIES: "Otros Países (the re-publication's OOO): every country not listed that year; "
                                   "an aggregate, not a country, and a different set of countries each year"}),
    "sex": Breakdown("persons of all ages by sex (Condición: Hombres, Mujeres)", "2021-2022",
                     {"male": "Hombres, all ages", "female": "Mujeres, all ages"}),
    "sex_age": Breakdown("persons by sex, adults and minors apart (Género)", "2023 on",
                         {"male_adult": "Hombres (adult men)", "female_adult": "Mujeres (adult women)",
                          "male_minor": "Niños (boys)", "female_minor": "Niñas (girls)"}),
    "age_status": Breakdown("persons by adult or minor (Condición: Adultos, Menores)", "2021 on",
                            {"adult": "Adultos (18 or older)", "minor": "Menores (under 18)"}),
    "age_group": Breakdown("persons by age band (Edad)", "2024 on", AGE_GROUP_NOTES),
}

TRAPS: tuple[str, ...] = (
    "Never sum across breakdowns: every breakdown of a month adds up to the same total, so adding "
    "`region` and `country` rows (or any two breakdowns) counts people twice. Filter on one breakdown.",
    "`sex` (2021-2022, all ages) and `sex_age` (2023 on, adults and minors apart) are different "
    "measures: 2022's `male` is not comparable with 2023's `male_adult`. Use `v_sex_comparable`, "
    "which sums 2023-on `sex_age` to male/female and marks those rows `derived`.",
    "`OTHER` (Otros Países) holds a different set of countries every year: a country that leaves "
    "the top list moves into it. Do not compare `OTHER` across years, nor read a country's absence "
    "from an SNM file as zero (the re-publication's absences are zeros: below).",
    "`Chile`/`Brasil` printed with the marker `(1)` count children of Haitian parents whose birth "
    "was registered in Chile or Brazil; the row's `note` says so. They are not Chilean or Brazilian "
    "migrants in the usual sense.",
    "A preliminary year's figures (`preliminary` true) will change: SNM re-publishes the year's file "
    "every month and revises earlier months. `as_of` is the document's cut-off; "
    "`darien_transit_history` keeps every earlier value.",
    "A month a preliminary file has not reported yet has no rows; `-` in a reported month is 0.",
    "Two sources: `source_kind` says whose publication a figure is: `snm`, SNM's own files, or "
    "`republication`, IOM's re-publication of SNM's series (the R package gdidata, MIT licence; `source_url` "
    "is its R data file). A year's figures come from SNM while SNM's files give any row for that year, else "
    "from the re-publication, decided apart for `darien_transit` and `darien_transit_annual`; every breakdown "
    "of the year is that source's, even one its file lacks.",
    "A year follows SNM's newest file even when it is partial: with the samples, 2023 is SNM's preliminary "
    "333,704 for eight months while the re-publication gives 520,085 for twelve. The fuller figure is in "
    "`v_source_comparison`: month 0 of `total` faces each source's sum over the months it reports (2023: "
    "333,704 against 520,085, a revision), beside every month both give (2023's January to August); the "
    "re-publication's own months are kept in `darien_transit_history` (`source_kind` republication).",
    "The re-publication leaves zeros out: inside its covered range a month with no rows at all is written as "
    "a `total` row of 0 (2020-04, -05 and -07: the border was closed), and no per-nationality zeros are "
    "written: for `source_kind` republication a nationality without a row in a month is 0, not missing.",
    "`TIB` is not an ISO code: Tibet, as the re-publication lists it (2012-2016), counted under `asia`. "
    "`XKX` is Kosovo (the usual user-assigned code, 2016-2017), counted under `europe`.",
    "`unassigned` exists only in `v_annual_series`' derived region rows (`derived` true): the persons of "
    "nationalities without an SNM region, i.e. `OTHER` (Otros Países). It is not `other` (Otras regiones, "
    "SNM's own category), and `darien_transit`'s `region` breakdown never has it.",
    "`v_annual_series` takes each year from one source (SNM first) and, within it, twelve reported months, "
    "else the annual figure, else the months reported so far: `basis` says which (`annual` or `months`), "
    "`months` how many. A year with fewer than 12 `months` is not a year's total.",
)

# Every column of every exported table: its meaning.
COLUMNS: dict[str, str] = {
    "year": "calendar year the figure counts",
    "month": "month the figure counts, 1-12 (0 in v_source_comparison: an annual figure, or a year's sum over the months a source reports)",
    "breakdown": "how the month is split: " + ", ".join(contract.BREAKDOWNS),
    "category": "the category within the breakdown (see the codebook)",
    "label": "the row's label exactly as printed, footnote marker included (the re-publication: its code as given)",
    "persons": "number of persons, an integer of 0 or more",
    "note": "the meaning of a footnote marker on the label, if any",
    "preliminary": "true when the document says its figures are preliminary (the re-publication: its last, "
                   "incomplete year)",
    "as_of": "the document's cut-off date for the year (the re-publication: the end of its last month in that year)",
    "source_url": "URL of the document the figure comes from: SNM's file, or the re-publication's R data file",
    "source_sha256": "sha256 of that document's bytes",
    "source_table": "the table of the document (Cuadro No. ...; the re-publication: the R object, "
                    "irreg_darien_nat or irreg_darien_dmg)",
    "source_page": "the page of the document the table is on (0 for the re-publication)",
    "pipeline_version": "version of the parser and checks that produced the row",
    "load_id": "the load that wrote the row",
    "loaded_at": "when the row was written (UTC)",
    "source_kind": "whose publication the figure is: snm (SNM's own files) or republication (IOM's "
                   "re-publication of SNM's series, gdidata)",
    "region": "SNM region category (see dim_region)",
    "country": "ISO 3166-1 alpha-3 code, XKX (Kosovo), TIB (Tibet: not an ISO code), or OTHER (see dim_country)",
    "share": "the country's share of the year's persons, 0-1",
    "sex": "male or female, all ages",
    "derived": "true when the view computed the row: in v_sex_comparable summed from sex_age (2023 on; false "
               "when printed as sex, 2021-2022); in v_annual_series a region row summed from nationality by "
               "dim_country's SNM region, for a year without region rows",
    "basis": "how v_annual_series counts the year: annual (an annual figure) or months (the months summed)",
    "months": "the months the year's figures report (from the total breakdown): 12 a whole year, fewer a "
              "partial one; empty when basis is annual",
    "snm_persons": "SNM's figure for the cell, from the newest version of SNM's own files",
    "snm_preliminary": "true when SNM's figure is preliminary",
    "republished_persons": "the re-publication's figure for the cell, from its newest version (0 where it "
                           "covers the month and breakdown but has no row: it leaves zeros out)",
    "difference": "republished_persons minus snm_persons",
    "kind": "what a difference probably is: swapped (the re-published value is SNM's value of another "
            "category of the same breakdown and month, and that category's is this one's: rows exchanged), "
            "revision (SNM's figure is preliminary: revised since, probably), disagreement (otherwise); "
            "empty when both agree",
    "iso3": "ISO 3166-1 alpha-3 code; XKX for Kosovo (user-assigned) and TIB for Tibet (not an ISO code, "
            "the re-publication's, 2012-2016); OTHER for Otros Países",
    "name_es": "the country's Spanish name as SNM prints it (pycountry's if SNM never printed it)",
    "variants": "JSON list of every spelling SNM has printed for the country",
    "name_en": "English name",
    "snm_region": "the region category SNM counts the country under",
    "snm_region_es": "that region's label as SNM prints it",
    "un_m49_region": "UN M49 sub-region, from country_converter",
    "printed": "true when SNM has printed the country in a table",
    "label_es": "the region's label as SNM prints it",
}

# Exported table -> (what one row is, primary key).
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    contract.TABLE: ("one month of one category of one breakdown, from the newest document of its year's "
                     "source (SNM's own files, else the re-publication)", contract.PRIMARY_KEY),
    contract.ANNUAL_TABLE: ("one year of one category of one breakdown, for the years only annual figures "
                            "exist for (2010-2019), from the newest document of its year's source",
                            contract.ANNUAL_KEY),
    "v_monthly_by_region": ("persons by region and month", ("year", "month", "region")),
    "v_monthly_by_region_named": ("persons by region and month, with the region's names",
                                  ("year", "month", "region")),
    "v_annual_by_country": ("persons by country and year, with the country's share of the year",
                            ("year", "country")),
    "v_annual_by_country_named": ("persons by country and year, with names and regions from dim_country",
                                  ("year", "country")),
    "v_sex_comparable": ("persons by sex and month, one series across the 2022/2023 change "
                         "(derived rows summed from sex_age)", ("year", "month", "sex")),
    "v_annual_series": ("one year of one category of one breakdown from 2010 to the newest month, from the "
                        "year's one source: twelve months, else the annual figure, else the months so far; "
                        "region rows derived from nationality where the year has none", contract.ANNUAL_KEY),
    "v_source_comparison": ("one cell that SNM's files and the re-publication both give: both figures, their "
                            "difference and what it probably is", contract.PRIMARY_KEY),
    "v_latest_as_of": ("which document each year's figures come from, and its cut-off",
                       ("year", "source_sha256")),
    "dim_country": ("one country (or OTHER): SNM's spellings, English name, SNM and UN regions", ("iso3",)),
    "dim_region": ("one SNM region category and its printed label", ("category",)),
}


def categories(countries: pd.DataFrame | None = None) -> dict[str, dict[str, str]]:
    """Breakdown -> category -> meaning, every country of dim_country included."""
    countries = dimensions.read_countries() if countries is None else countries
    out = {name: dict(b.categories) for name, b in BREAKDOWNS.items()}
    for row in countries.itertuples():
        if row.iso3 != contract.OTHER_COUNTRIES:
            out["country"][row.iso3] = f"{row.name_es} ({row.name_en})"
    return out


def markdown(countries: pd.DataFrame | None = None) -> str:
    """The codebook as the markdown of README.md's Codebook section (without its heading)."""
    countries = dimensions.read_countries() if countries is None else countries
    lines = ["Generated from `export/codebook.py` (also in `data/exports/datapackage.json`); "
             "edit it there, not here.", "", "Traps:", ""]
    lines += [f"- {trap}" for trap in TRAPS]
    lines += ["", "| breakdown | years | counts | categories |", "|---|---|---|---|"]
    for name, b in BREAKDOWNS.items():
        cats = "; ".join(f"`{c}` {meaning}" for c, meaning in b.categories.items())
        if name == "country":
            cats = ("ISO 3166-1 alpha-3 codes, every one in `dim_country` with its names and regions; "
                    + cats)
        lines.append(f"| `{name}` | {b.years} | {b.counts} | {cats} |")
    printed = countries[countries.printed & (countries.iso3 != contract.OTHER_COUNTRIES)]
    lines += ["", "Countries SNM has printed: " + ", ".join(
        f"`{r.iso3}` {r.name_es}" for r in printed.sort_values("iso3").itertuples()) + "."]
    lines += ["", "| table | one row is | key |", "|---|---|---|"]
    lines += [f"| `{t}` | {what} | {', '.join(key)} |" for t, (what, key) in TABLES.items()]
    return "\n".join(lines) + "\n"
