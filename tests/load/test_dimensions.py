"""dim_country and dim_region: the committed CSV is current, covers the real documents, and the views join them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import load
from darien import contract
from load import dimensions
from transform.countries import split_marker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def real_batches(batch_2022, batch_2023):
    """The two real PDFs of samples/, parsed once for the session (tests/conftest.py)."""
    return [batch_2022, batch_2023]


def test_the_committed_csv_is_what_the_alias_table_gives_now():
    # If this fails: python -m load.dimensions --regenerate, and commit load/dim_country.csv.
    assert dimensions.COUNTRY_CSV.read_text(encoding="utf-8") == dimensions.regenerate(path=None)



def test_regenerating_the_csv_does_not_import_transform():
    # The alias table is shared reference data (darien.countries): load/ never reaches into transform/.
    code = ("import sys; from load import dimensions; dimensions.regenerate(path=None); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'transform'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

def test_dim_country_covers_every_country_and_spelling_of_the_real_documents(real_batches):
    countries = dimensions.read_countries().set_index("iso3")
    for batch in real_batches:
        printed = batch.rows[batch.rows.breakdown == "country"][["category", "label"]].drop_duplicates()
        assert len(printed) > 30
        for code, label in printed.itertuples(index=False):
            name, _ = split_marker(label)
            assert code in countries.index, f"{label} ({code}) missing from dim_country"
            assert countries.loc[code, "printed"]
            assert name in json.loads(countries.loc[code, "variants"]), f"{name} not a variant of {code}"
    # SNM's spellings, not pycountry's: "Rep. Dominicana", and both Sri Lanka spellings kept.
    assert countries.loc["DOM", "name_es"] == "Rep. Dominicana"
    assert json.loads(countries.loc["LKA", "variants"]) == ["Sri Lanka", "Siri Lanka"]
    assert countries.loc["VEN", "name_en"] == "Venezuela"
    assert countries.loc["UZB", "un_m49_region"] == "Central Asia"


def test_dim_country_holds_every_contract_country_and_the_two_without_iso_codes():
    from darien.countries import country_codes

    countries = dimensions.read_countries().set_index("iso3")
    assert sorted(countries.index) == sorted(country_codes())
    assert countries.loc["XKX", ["name_es", "snm_region"]].tolist() == ["Kosovo", "europe"]
    assert countries.loc["TIB", ["name_en", "snm_region"]].tolist() == ["Tibet", "asia"]
    assert countries.loc[["XKX", "TIB"], "un_m49_region"].isna().all()  # no ISO code, no UN M49 region


def test_snm_regions_of_printed_countries_fit_the_printed_region_tables(real_batches):
    """A region's countries never add to more than the region's printed figure, and what is
    left over (countries SNM lumps into Otros Países) never exceeds Otros Países, month by month."""
    regions = dimensions.read_countries().set_index("iso3")["snm_region"]
    for batch in real_batches:
        rows = batch.rows
        country = rows[(rows.breakdown == "country") & (rows.category != contract.OTHER_COUNTRIES)].copy()
        country["region"] = country.category.map(regions)
        assert country.region.notna().all()
        by_region = country.groupby(["month", "region"]).persons.sum()
        printed = rows[rows.breakdown == "region"].set_index(["month", "category"]).persons
        other = rows[rows.category == contract.OTHER_COUNTRIES].set_index("month").persons
        for (month, region), persons in by_region.items():
            assert persons <= printed.get((month, region), 0), (batch.year, month, region)
        left = (printed - by_region.reindex(printed.index, fill_value=0)).groupby("month").sum()
        assert (left <= other.reindex(left.index, fill_value=0)).all()


def test_dim_region_labels_are_those_snm_prints(real_batches):
    labels = dimensions.region_frame().set_index("category").label_es
    assert list(labels.index) == list(contract.REGIONS)
    for batch in real_batches:
        for code, label in batch.rows[batch.rows.breakdown == "region"][["category", "label"]].drop_duplicates().itertuples(index=False):
            assert labels[code] == label


def test_the_views_join_names_and_make_2023_sex_comparable(warehouse_url, real_batches):
    engine = load.connect(warehouse_url)
    try:
        load.ensure_schema(engine)
        batch_2023 = next(b for b in real_batches if b.year == 2023)
        load.publish(engine, batch_2023)
        with engine.connect() as conn:
            named = pd.read_sql(sa.text("SELECT * FROM v_annual_by_country_named WHERE year = 2023"), conn)
            sex = pd.read_sql(sa.text("SELECT * FROM v_sex_comparable ORDER BY year, month, sex"), conn)
            region = pd.read_sql(sa.text("SELECT * FROM v_monthly_by_region_named WHERE month = 1"), conn)
    finally:
        engine.dispose()
    venezuela = named.set_index("country").loc["VEN"]
    assert (venezuela.name_es, venezuela.snm_region, venezuela.snm_region_es) == ("Venezuela", "south_america", "América del Sur")
    assert named.name_en.notna().all() and len(named) == 36
    assert set(region.label_es) == {"América del Sur", "Antillas", "Asia", "África", "Europa", "Eurasia",
                                    "América Central", "América del Norte", "Oceanía"}
    # The 2023 file prints Hombres/Mujeres (adults) and Niños/Niñas (minors) per month.
    rows = batch_2023.rows[batch_2023.rows.breakdown == "sex_age"].copy()
    rows["sex"] = rows.category.str.split("_").str[0]
    expected = rows.groupby(["month", "sex"]).persons.sum().reset_index()
    assert len(sex) == 16 and sex.derived.all()
    assert sex[["month", "sex", "persons"]].astype({"month": "int64", "persons": "int64"}).values.tolist() \
        == expected.astype({"month": "int64", "persons": "int64"}).values.tolist()
    # And they add to the document's Total, which SNM's January 2023 figure is: 24,634.
    assert sex[sex.month == 1].persons.sum() == 24_634


def test_the_2021_22_sex_series_passes_through_as_printed(warehouse_url, real_batches):
    batch_2022 = next(b for b in real_batches if b.year == 2022)
    engine = load.connect(warehouse_url)
    try:
        load.ensure_schema(engine)
        load.publish(engine, batch_2022)
        with engine.connect() as conn:
            sex = pd.read_sql(sa.text("SELECT sex, SUM(persons) AS persons, MAX(CAST(derived AS INTEGER)) AS derived "
                                      "FROM v_sex_comparable WHERE year = 2022 GROUP BY sex ORDER BY sex"), conn)
    finally:
        engine.dispose()
    printed = batch_2022.rows[batch_2022.rows.breakdown == "sex"].groupby("category").persons.sum()
    assert sex.set_index("sex").persons.to_dict() == printed.to_dict()
    assert sum(printed) == 248_284 and (sex.derived == 0).all()
