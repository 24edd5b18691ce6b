"""Dimension tables `dim_country` and `dim_region`, their committed data, and the views that join them.

The country data comes from the shared alias table (darien.countries), pycountry and
country_converter: `python -m load.dimensions --regenerate` writes `load/dim_country.csv`, the
warehouse is filled from that file, and a test fails when the file differs from what the
script would write now. Committing it keeps country_converter's table out of every run and
shows a change to the country data as a diff.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from darien import contract
from darien.countries import ALIASES, NOT_ISO

if TYPE_CHECKING:  # imported where the dimensions are read or filled, not by every user of load
    import pandas as pd

COUNTRY_CSV = Path(__file__).with_name("dim_country.csv")

metadata = sa.MetaData()

dim_country = sa.Table(
    "dim_country", metadata,
    sa.Column("iso3", sa.String, primary_key=True),  # ISO 3166-1 alpha-3, XKX, TIB (no ISO code), or OTHER
    sa.Column("name_es", sa.String, nullable=False),  # as SNM prints it; pycountry's if never printed
    sa.Column("variants", sa.String, nullable=False),  # JSON list of every spelling SNM has printed
    sa.Column("name_en", sa.String, nullable=False),
    sa.Column("snm_region", sa.String),  # the contract's region category SNM counts it under
    sa.Column("un_m49_region", sa.String),  # UN M49 sub-region, from country_converter
    sa.Column("printed", sa.Boolean, nullable=False),  # SNM has printed this country
)

dim_region = sa.Table(
    "dim_region", metadata,
    sa.Column("category", sa.String, primary_key=True),
    sa.Column("label_es", sa.String, nullable=False),
    sa.Column("name_en", sa.String, nullable=False),
)

# Region category -> (label as SNM prints it, English name). Read off the real 2022 and 2023 files.
REGION_NAMES: dict[str, tuple[str, str]] = {
    "south_america": ("América del Sur", "South America"),
    "caribbean": ("Antillas", "Caribbean"),
    "asia": ("Asia", "Asia"),
    "africa": ("África", "Africa"),
    "europe": ("Europa", "Europe"),
    "central_america": ("América Central", "Central America"),
    "north_america": ("América del Norte", "North America"),
    "eurasia": ("Eurasia", "Eurasia"),
    "oceania": ("Oceanía", "Oceania"),
    "other": ("Otras regiones", "Other regions"),
}
assert tuple(REGION_NAMES) == contract.REGIONS

# UN M49 sub-region -> SNM region, by the sub-region's suffix or its whole name.
_UN_TO_SNM = {
    "South America": "south_america", "Caribbean": "caribbean",
    "Central America": "central_america", "Northern America": "north_america",
    "Africa": "africa", "Asia": "asia", "Europe": "europe",
    "Australia and New Zealand": "oceania", "Melanesia": "oceania", "Micronesia": "oceania",
    "Polynesia": "oceania", "Antarctica": "other",
}
# SNM's "Eurasia" is not a UN region. The 2022 file shows Central Asia is not in it
# (Uzbekistan alone, 410, exceeds Eurasia's 16), so it is taken to be Russia and the
# Caucasus: an inference no SNM table states, which no country SNM has printed depends on.
EURASIA = frozenset({"RUS", "GEO", "ARM", "AZE"})

VIEWS = {
    "v_annual_by_country_named": """
        SELECT a.year, a.country, a.label, c.name_es, c.name_en, c.snm_region,
               r.label_es AS snm_region_es, c.un_m49_region, a.persons, a.share,
               a.preliminary, a.as_of
        FROM v_annual_by_country a
        LEFT JOIN dim_country c ON c.iso3 = a.country
        LEFT JOIN dim_region r ON r.category = c.snm_region""",
    "v_monthly_by_region_named": """
        SELECT m.year, m.month, m.region, r.label_es, r.name_en, m.persons, m.preliminary, m.as_of
        FROM v_monthly_by_region m
        LEFT JOIN dim_region r ON r.category = m.region""",
    # 2021-22 print Hombres/Mujeres of all ages (`sex`); from 2023 adults and minors apart
    # (`sex_age`), summed here so one series runs across the change. `derived` says which.
    "v_sex_comparable": f"""
        SELECT year, month, category AS sex, persons, FALSE AS derived, preliminary, as_of
        FROM {contract.TABLE} WHERE breakdown = 'sex'
        UNION ALL
        SELECT t.year, t.month,
               CASE WHEN t.category LIKE 'male%' THEN 'male' ELSE 'female' END AS sex,
               CAST(SUM(t.persons) AS BIGINT) AS persons, TRUE AS derived,
               BOOL_OR(t.preliminary) AS preliminary, MAX(t.as_of) AS as_of
        FROM {contract.TABLE} t
        WHERE t.breakdown = 'sex_age' AND NOT EXISTS (
            SELECT 1 FROM {contract.TABLE} s
            WHERE s.breakdown = 'sex' AND s.year = t.year AND s.month = t.month)
        GROUP BY t.year, t.month, CASE WHEN t.category LIKE 'male%' THEN 'male' ELSE 'female' END""",
}


def un_m49_regions() -> dict[str, str]:
    """ISO3 -> UN M49 sub-region, from country_converter's own data table."""
    import country_converter

    # CountryConverter() itself fails under pandas 3 (Namibia's ISO2 "NA" is read as a
    # missing value), so its maintained table is read directly with NA kept as text.
    import pandas as pd

    table = Path(country_converter.__file__).with_name("country_data.tsv")
    data = pd.read_csv(table, sep="\t", keep_default_na=False, dtype=str)
    return {row.ISO3: row.UNregion for row in data.itertuples() if row.ISO3 and row.UNregion}


def snm_region(iso3: str, un_region: str | None) -> str | None:
    """The contract region SNM counts a country under, from its UN M49 sub-region."""
    if iso3 in EURASIA:
        return "eurasia"
    if not un_region:
        return None
    for suffix, region in _UN_TO_SNM.items():
        if un_region == suffix or un_region.endswith(f" {suffix}"):
            return region
    return None


def country_rows(aliases: dict[str, str]) -> list[dict]:
    """One row per ISO country, XKX, TIB and OTHER: SNM's spellings from `aliases`, names from pycountry."""
    import gettext

    import pycountry

    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    spellings: dict[str, list[str]] = {}
    for label, code in aliases.items():
        spellings.setdefault(code, []).append(label)
    un = un_m49_regions()
    rows = [{
        "iso3": contract.OTHER_COUNTRIES, "name_es": spellings[contract.OTHER_COUNTRIES][0],
        "variants": json.dumps(spellings[contract.OTHER_COUNTRIES], ensure_ascii=False),
        "name_en": "Other countries", "snm_region": None, "un_m49_region": None, "printed": True,
    }]
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        seen = spellings.get(country.alpha_3, [])
        region = un.get(country.alpha_3)
        rows.append({
            "iso3": country.alpha_3,
            "name_es": seen[0] if seen else spanish.gettext(country.name),
            "variants": json.dumps(seen, ensure_ascii=False),
            "name_en": getattr(country, "common_name", None) or country.name,
            "snm_region": snm_region(country.alpha_3, region),
            "un_m49_region": region,
            "printed": bool(seen),
        })
    for code, (name_es, name_en, region) in sorted(NOT_ISO.items()):  # no ISO code, no UN M49 region
        seen = spellings.get(code, [])
        rows.append({"iso3": code, "name_es": name_es, "variants": json.dumps(seen, ensure_ascii=False),
                     "name_en": name_en, "snm_region": region, "un_m49_region": None, "printed": False})
    unknown = set(spellings) - {r["iso3"] for r in rows}
    if unknown:
        raise ValueError(f"aliases name codes pycountry does not know: {', '.join(sorted(unknown))}")
    return rows


def render_csv(rows: list[dict]) -> str:
    """The country rows as the text of dim_country.csv."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.name for c in dim_country.columns], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_countries(path: Path = COUNTRY_CSV) -> pd.DataFrame:
    """The committed dim_country data."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.replace({"": None})
    frame["printed"] = frame["printed"] == "True"
    return frame


def region_frame() -> pd.DataFrame:
    """The dim_region rows."""
    import pandas as pd

    return pd.DataFrame([{"category": c, "label_es": es, "name_en": en}
                         for c, (es, en) in REGION_NAMES.items()])


def fill(conn: sa.Connection, countries: pd.DataFrame | None = None) -> None:
    """Replace the contents of both dimension tables (from the committed CSV unless given)."""
    frames = {dim_country: read_countries() if countries is None else countries,
              dim_region: region_frame()}
    for table, frame in frames.items():
        conn.execute(table.delete())
        if conn.dialect.name == "duckdb":
            raw = conn.connection.dbapi_connection
            raw.register("_dim_frame", frame)
            try:
                columns = ", ".join(c.name for c in table.columns)
                conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM _dim_frame")
            finally:
                raw.unregister("_dim_frame")
        else:  # a few hundred rows: psycopg pipelines executemany
            frame = frame.astype(object).where(frame.notna(), None)
            conn.execute(table.insert(), frame.to_dict("records"))


def create(conn: sa.Connection) -> None:
    """The migration step: both dimension tables, filled, and the views that join them."""
    metadata.create_all(conn, checkfirst=True)
    fill(conn)
    for name, body in VIEWS.items():
        conn.execute(sa.text(f"CREATE OR REPLACE VIEW {name} AS {body}"))


def refresh(engine: sa.Engine) -> None:
    """Reload the dimension data from the committed CSV (after a change to the alias table)."""
    with engine.begin() as conn:
        fill(conn)


def regenerate(path: Path = COUNTRY_CSV) -> str:
    """The CSV text the current alias table gives; written to `path` unless it is None."""
    text = render_csv(country_rows(ALIASES))
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python -m load.dimensions --regenerate")
    regenerate()
    print(f"wrote {COUNTRY_CSV}")
