"""The series from 2010 through the nightly flow: the re-publication's R data files served over HTTP beside SNM's PDFs.

The `.rda` files are served by a real local server as the single-document sources they are
upstream (raw-file URLs, `application/octet-stream`); the PDFs come from a folder.
"""

from __future__ import annotations

import shutil

import pytest

from flows.backfill import backfill
from flows.nightly import nightly
from flows.reprocess import reprocess
from tests.republication import DMG, NAT
from tests.warehouse import query

pytestmark = pytest.mark.prefect

HISTORY = NAT.parent / "history"
# The re-publication README's totals: 2010-2019 annual, 2020-2025 over the months given.
ANNUAL = {2010: 559, 2011: 283, 2012: 1_777, 2013: 3_051, 2014: 6_175, 2015: 29_289, 2016: 30_055,
          2017: 6_780, 2018: 9_222, 2019: 22_102}


def _serve(httpserver, path: str, data: bytes) -> str:
    httpserver.expect_request(path).respond_with_data(data, content_type="application/octet-stream")
    return httpserver.url_for(path)


@pytest.fixture
def pdfs(tmp_path, real_2022, real_2023):
    folder = tmp_path / "snm"
    folder.mkdir()
    for pdf in (real_2022, real_2023):
        shutil.copy(pdf, folder / pdf.name)
    return folder


def _series(url: str) -> dict[int, tuple]:
    return {year: tuple(rest) for year, *rest in query(
        url, "SELECT year, persons, basis, months, source_kind, preliminary FROM v_annual_series"
             " WHERE breakdown = 'total' ORDER BY year")}


def test_the_samples_give_the_series_from_2010(prefect_harness, warehouse_url, httpserver, pdfs, tmp_path,
                                               real_2022):
    nat = _serve(httpserver, "/gdidata/data/irreg_darien_nat.rda", NAT.read_bytes())
    dmg = _serve(httpserver, "/gdidata/data/irreg_darien_dmg.rda", DMG.read_bytes())
    params = dict(source=f"{nat},{dmg},{pdfs}", warehouse=warehouse_url, data_dir=str(tmp_path / "data"))

    first = nightly(**params)

    assert sorted(o.status for o in first.outcomes) == ["loaded"] * 4
    series = _series(warehouse_url)
    assert {y: series[y][:4] for y in ANNUAL} == {y: (n, "annual", None, "republication") for y, n in ANNUAL.items()}
    assert series[2020] == (6_465, "months", 12, "republication", False)
    assert series[2021] == (133_726, "months", 12, "republication", False)
    assert series[2022] == (248_284, "months", 12, "snm", False)
    assert series[2023] == (333_704, "months", 8, "snm", True)  # SNM's partial file wins its year
    assert series[2024] == (302_203, "months", 12, "republication", False)
    assert series[2025] == (2_904, "months", 4, "republication", True)
    # The 2018 analysis: 2017 by region, and 2010-2016 from Cuba and Haiti.
    shares = dict(query(warehouse_url, "SELECT category, ROUND(100.0 * persons / 6780, 1) FROM v_annual_series"
                                       " WHERE year = 2017 AND breakdown = 'region'"))
    assert tuple(float(shares[r]) for r in ("asia", "africa", "caribbean")) == (60.6, 25.9, 11.6)
    [(cuba_haiti,)] = query(warehouse_url, "SELECT ROUND(100.0 * SUM(persons) / 71189, 1) FROM v_annual_series"
                                           " WHERE year <= 2016 AND breakdown = 'country' AND category IN ('CUB', 'HTI')")
    assert sum(ANNUAL[y] for y in range(2010, 2017)) == 71_189 and float(cuba_haiti) == 80.1
    # The comparison: 2022's shared cells agree, 2023 differs by SNM's later revisions only.
    kinds = dict(query(warehouse_url, "SELECT year || ' ' || COALESCE(kind, 'same'), COUNT(*)"
                                      " FROM v_source_comparison GROUP BY 1"))
    assert {k for k in kinds if not k.endswith("same")} == {"2023 revision"} and kinds["2022 same"] > 400
    assert not [w for w in first.warnings if "re-publication" in w]

    before = query(warehouse_url, "SELECT COUNT(*), MAX(finished_at) FROM etl_loads")
    second = nightly(**params)
    # Found again, unchanged: nothing to fetch, so no document reaches parsing or publishing.
    assert (second.found, second.fetched, second.outcomes) == (first.found, 0, []) and first.found == 4
    assert query(warehouse_url, "SELECT COUNT(*), MAX(finished_at) FROM etl_loads") == before

    # A forced backfill of 2022 takes the documents that hold 2022: SNM's 2022 PDF, and the two
    # re-publication files, whose newest year is 2025, taken whole; not SNM's 2023 PDF.
    again = backfill(from_year=2022, to_year=2022, force=True, **params)

    assert sorted(o.url.rsplit("/", 1)[-1] for o in again.outcomes) == sorted(
        [real_2022.name, NAT.name, DMG.name])
    assert _series(warehouse_url) == series


def test_broken_versions_of_the_re_publication_are_quarantined_until_accepted(
        prefect_harness, duckdb_url, httpserver, tmp_path):
    served = {"bytes": (HISTORY / "nat_465d41e.rda").read_bytes()}
    httpserver.expect_request("/gdidata/data/irreg_darien_nat.rda").respond_with_handler(
        lambda request: __import__("werkzeug").Response(served["bytes"], content_type="application/octet-stream"))
    params = dict(source=httpserver.url_for("/gdidata/data/irreg_darien_nat.rda"), warehouse=duckdb_url,
                  data_dir=str(tmp_path / "data"))
    figures = "SELECT * FROM darien_transit ORDER BY year, month, breakdown, category"
    annual = "SELECT * FROM darien_transit_annual ORDER BY year, breakdown, category"

    assert [o.status for o in nightly(**params).outcomes] == ["loaded"]
    loaded = (query(duckdb_url, figures), query(duckdb_url, annual))
    assert _series(duckdb_url)[2024][:3] == (302_203, "months", 12)

    served["bytes"] = (HISTORY / "nat_2677051.rda").read_bytes()  # 8 NA counts, 2023 gone
    [na] = nightly(**params).outcomes
    assert na.status == "quarantined" and "8 NA count(s)" in na.reason
    served["bytes"] = (HISTORY / "nat_13362fb.rda").read_bytes()  # 2020-2024 gone
    [gone] = nightly(**params).outcomes
    assert gone.status == "quarantined"
    assert "lacks 2020, 2021, 2022, 2023, 2024, which the loaded version gave" in gone.reason
    assert (query(duckdb_url, figures), query(duckdb_url, annual)) == loaded  # nothing changed

    # An operator accepts the second one: published, named, and its missing years stay as they were.
    accepted = reprocess(accept=[gone.sha256[:12]], warehouse=duckdb_url, data_dir=str(tmp_path / "data"))
    assert [o.status for o in accepted.outcomes] == ["loaded"]
    [(when,)] = query(duckdb_url, f"SELECT accepted_at FROM etl_documents WHERE sha256 = '{gone.sha256}'")
    assert when is not None
    series = _series(duckdb_url)
    assert series[2024][:3] == (302_203, "months", 12)
    assert series[2025][:3] == (2_831, "months", 3)  # the accepted version's January-March 2025
