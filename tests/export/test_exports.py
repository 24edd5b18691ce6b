"""Exports of the real 2023 document: a valid Frictionless package whose files round-trip to the warehouse's rows."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

import load
from export import codebook
from export.package import DESCRIPTOR, SNAPSHOT, read_table, write_exports


@pytest.fixture
def exported(engine, batch_2023, tmp_path):
    load.publish(engine, batch_2023)
    return write_exports(engine, tmp_path / "exports")


def _value(v):
    """One value as plain Python, so values read back by different tools compare equal."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and pd.isna(v)):
        return None
    if isinstance(v, Decimal):  # frictionless reads a number as Decimal
        return float(v)
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v.item() if hasattr(v, "item") else v


def _plain(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(_value(v) for v in row) for row in frame.astype(object).itertuples(index=False)]


@pytest.mark.slow
def test_the_data_package_validates_and_round_trips_to_the_warehouse_rows(engine, exported):
    from frictionless import Package, validate

    report = validate(str(exported.folder / DESCRIPTOR))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:5]
    package = Package(str(exported.folder / DESCRIPTOR))
    assert [r.name for r in package.resources] == [t.replace("_", "-") for t in codebook.TABLES]
    assert package.licenses and package.sources[0]["path"].startswith("https://www.migracion.gob.pa/")
    assert "Never sum across breakdowns" in package.description
    for name in codebook.TABLES:
        resource = package.get_resource(name.replace("_", "-"))
        assert resource.schema.primary_key == list(codebook.TABLES[name][1])
        assert all(f.description for f in resource.schema.fields)
        rows = [tuple(_value(v) for v in r.values()) for r in resource.read_rows()]
        assert rows == _plain(read_table(engine, name)), name
    transit = package.get_resource("darien-transit").read_rows()
    assert len(transit) == len(exported.folder.joinpath("darien_transit.csv").read_text().splitlines()) - 1 == 416
    # What the 2023 PDF prints: January's total 24,634; Chile (1) carries the footnote's meaning.
    january = next(r for r in transit if r["breakdown"] == "total" and r["month"] == 1)
    assert january["persons"] == 24_634
    chile = next(r for r in transit if r["category"] == "CHL" and r["month"] == 1)
    assert chile["label"] == "Chile (1)" and chile["note"].startswith("Hijos de ciudadanos haitianos")


def test_parquet_and_the_read_only_duckdb_hold_the_same_rows(engine, exported):
    folder = exported.folder
    for name in codebook.TABLES:
        expected = _plain(read_table(engine, name))
        assert _plain(pd.read_parquet(folder / f"{name}.parquet")) == expected, name
        with duckdb.connect(str(folder / SNAPSHOT), read_only=True) as conn:
            rows = [tuple(_value(v) for v in row) for row in conn.sql(f"SELECT * FROM {name}").fetchall()]
            assert rows == expected, name
    assert oct((folder / SNAPSHOT).stat().st_mode & 0o777) == "0o444"
    assert not [p for p in folder.iterdir() if p.name.endswith(".partial")]


def test_a_second_export_replaces_the_files_with_the_new_figures(engine, exported, batch_2022):
    load.publish(engine, batch_2022)
    again = write_exports(engine, exported.folder)
    assert again.rows["darien_transit"] > exported.rows["darien_transit"]
    years = pd.read_parquet(exported.folder / "v_latest_as_of.parquet").year.tolist()
    assert years == [2022, 2023]
    with duckdb.connect(str(exported.folder / SNAPSHOT), read_only=True) as conn:
        assert conn.sql("SELECT SUM(persons) FROM darien_transit WHERE year = 2022 AND breakdown = 'total'").fetchall() == [(248_284,)]


def test_the_annual_table_and_the_two_series_views_are_exported(engine, nat_batch, batch_2023, tmp_path):
    from frictionless import Package, validate

    load.publish(engine, nat_batch)
    load.publish(engine, batch_2023)
    exported = write_exports(engine, tmp_path / "exports")
    report = validate(str(exported.folder / DESCRIPTOR))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:5]
    package = Package(str(exported.folder / DESCRIPTOR))
    assert [s["path"] for s in package.sources] == ["https://www.migracion.gob.pa/estadisticas/",
                                                    "https://github.com/iom/gdidata"]
    assert any(licence.get("name") == "MIT" for licence in package.licenses)
    for name in ("darien_transit_annual", "v_annual_series", "v_source_comparison"):
        rows = [tuple(_value(v) for v in r.values()) for r in package.get_resource(name.replace("_", "-")).read_rows()]
        assert rows and rows == _plain(read_table(engine, name)), name
        assert _plain(pd.read_parquet(exported.folder / f"{name}.parquet")) == rows, name
    annual = pd.read_csv(exported.folder / "darien_transit_annual.csv")
    assert annual[(annual.year == 2017) & (annual.breakdown == "total")].persons.tolist() == [6_780]
    assert set(annual.source_kind) == {"republication"}
    series = pd.read_parquet(exported.folder / "v_annual_series.parquet")
    totals = series[series.breakdown == "total"].set_index("year")
    assert totals.loc[2023, ["persons", "basis", "months", "source_kind"]].tolist() == [333_704, "months", 8, "snm"]
    assert totals.loc[2019, "basis"] == "annual" and pd.isna(totals.loc[2019, "months"])
    comparison = pd.read_parquet(exported.folder / "v_source_comparison.parquet")
    assert set(comparison.kind.dropna()) == {"revision"}  # only revisions against SNM's preliminary 2023
