"""Published-figure and freshness checks, on the real documents and one figure changed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import pandas as pd
import sqlalchemy as sa

import load
from operations import checks
from tests.load.test_sources import annual, republication, snm_2022


def test_the_real_2022_file_agrees_with_snm_published_figures(engine, batch_2022):
    load.publish(engine, batch_2022)
    assert checks.published_figure_warnings(engine) == []


def test_a_final_year_whose_total_differs_from_the_published_figure_is_named(engine, batch_2022):
    # The real 2022 file again, as a later final file whose December total reads 5 more.
    rows = batch_2022.rows.copy()
    december = (rows.breakdown == "total") & (rows.month == 12)
    rows.loc[december, "persons"] += 5
    sha = hashlib.sha256(b"2022 revised").hexdigest()
    later = date(2023, 1, 31)  # a later cut-off, so the revised file wins the ranking
    revised = replace(batch_2022, rows=rows.assign(source_sha256=sha, as_of=pd.Timestamp(later).as_unit("s")),
                      source_sha256=sha, as_of=later)
    load.publish(engine, batch_2022)
    load.publish(engine, revised)
    warnings = checks.published_figure_warnings(engine)
    assert warnings == ["2022: the warehouse's annual total 248,289 differs from SNM's published 248,284"]


def test_a_preliminary_year_is_not_compared(engine, batch_2023):
    load.publish(engine, batch_2023)
    assert checks.published_figure_warnings(engine) == []  # Jan-Aug 2023 is preliminary


def test_a_final_year_is_compared_month_by_month(engine, batch_2023):
    # The real Jan-Aug 2023 file as if it were final, with March's total one higher.
    rows = batch_2023.rows.assign(preliminary=False)
    rows.loc[(rows.breakdown == "total") & (rows.month == 3), "persons"] += 1
    load.publish(engine, replace(batch_2023, rows=rows, preliminary=False))

    warnings = checks.published_figure_warnings(engine)

    assert warnings == [
        "2023: the warehouse's annual total 333,705 differs from SNM's published 520,085",
        "2023-03: the warehouse's monthly total 38,100 differs from SNM's published 38,099",
        *(f"2023-{m:02d}: the warehouse's monthly total no figure differs from SNM's published {p:,}"
          for m, p in [(9, 75_268), (10, 49_256), (11, 37_231), (12, 24_626)]),
    ]


def test_figures_older_than_the_limit_produce_the_freshness_warning(engine, batch_2023):
    assert checks.freshness_warnings(engine, 45) == ["the warehouse holds no figures yet"]
    load.publish(engine, batch_2023)  # as of 31 August 2023
    assert checks.freshness_warnings(engine, 45, today=date(2023, 10, 15)) == []
    late = checks.freshness_warnings(engine, 45, today=date(2023, 10, 16))
    assert len(late) == 1 and "as of 2023-08-31, 46 days old" in late[0]
    assert "DARIEN_FRESHNESS_DAYS=45" in late[0]


def test_a_source_that_listed_documents_and_lists_none_is_named():
    old = "https://www.migracion.gob.pa/inicio/estadisticas"
    new = "https://www.migracion.gob.pa/estadisticas/"
    warnings = checks.silent_source_warnings({old: 0, new: 3, "samples/": 0}, {old: 4, new: 2})
    assert warnings == [f"{old}: lists no documents, the ledger knows 4 from it: "
                        "the page may have moved or changed shape"]


def test_freshness_counts_snm_s_documents_only(engine):
    # A re-publication as of April 2025 gives 2021; SNM's own file gives 2022 to February.
    load.publish(engine, republication(as_of=date(2025, 4, 30)))
    assert checks.freshness_warnings(engine, 45, today=date(2025, 5, 1)) == [
        "the warehouse holds no figures of SNM's own yet (a re-publication's do not count)"]
    load.publish(engine, snm_2022(preliminary=True))
    assert checks.freshness_warnings(engine, 45, today=date(2022, 4, 14)) == []
    late = checks.freshness_warnings(engine, 45, today=date(2025, 5, 1))
    assert len(late) == 1 and "SNM's newest figures are as of 2022-02-28, 1158 days old" in late[0]


def test_revisions_of_snm_s_preliminary_figures_are_listed_not_warned(engine):
    load.publish(engine, republication())
    load.publish(engine, snm_2022(preliminary=True))  # January's total and VEN one more than re-published
    warnings, revisions = checks.source_comparison_warnings(engine)
    assert warnings == []
    # The year's total over the two months both give differs by the same one.
    assert revisions == ["the re-publication differs from SNM's preliminary figures in 3 cell(s) (revised since, "
                         "probably), largest: 2022 total/total 210 vs SNM 211, 2022-01 country/VEN 60 vs SNM 61,"
                         " 2022-01 total/total 100 vs SNM 101"]


def test_swapped_and_disagreeing_cells_against_snm_s_final_figures_are_warnings(engine):
    load.publish(engine, republication())
    load.publish(engine, snm_2022())
    # The cells: January's VEN and total, and the year's total over the two months both give.
    assert checks.source_comparison_warnings(engine) == ([
        "the re-publication disagrees with SNM's final figures in 3 cell(s), largest: "
        "2022 total/total 210 vs SNM 211, 2022-01 country/VEN 60 vs SNM 61, 2022-01 total/total 100 vs SNM 101"], [])
    # A newer re-publication exchanges VEN and HTI in February and raises January's HTI by 5.
    load.publish(engine, republication("rep swapped", as_of=date(2023, 1, 31),
                                       changes={(2, "VEN"): 40, (2, "HTI"): 70, (1, "HTI"): 45}))
    warnings, revisions = checks.source_comparison_warnings(engine, few=2)
    assert warnings == [
        "the re-publication gives 2 cell(s) another category's SNM figure (rows swapped), largest: "
        "2022-02 country/HTI 70 vs SNM 40, 2022-02 country/VEN 40 vs SNM 70",
        "the re-publication disagrees with SNM's final figures in 4 cell(s), largest: "
        "2022-01 country/HTI 45 vs SNM 40, 2022 total/total 210 vs SNM 211 …"]
    assert revisions == []


def test_annual_cells_are_compared_without_a_month(engine):
    load.publish(engine, annual("republication", "rep 2019", 2019, IND=100, CUB=50, OTHER=10))
    load.publish(engine, annual("snm", "summary", 2019, IND=100, CUB=52, OTHER=10))
    warnings, _ = checks.source_comparison_warnings(engine)
    assert warnings == ["the re-publication disagrees with SNM's final figures in 2 cell(s), largest: "
                        "2019 country/CUB 50 vs SNM 52, 2019 total/total 160 vs SNM 162"]


def test_the_samples_agree_in_2022_and_differ_only_by_revisions_in_2023(engine, nat_batch, batch_2022, batch_2023):
    from tests.republication import DMG, republication_batch

    for batch in (nat_batch, republication_batch(DMG), batch_2022, batch_2023):
        load.publish(engine, batch)
    warnings, revisions = checks.source_comparison_warnings(engine)
    assert warnings == []
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT year, kind, COUNT(*) FROM v_source_comparison"
                                     " GROUP BY year, kind ORDER BY year, kind")).all()
    counts = {(year, kind): n for year, kind, n in found}
    assert {k for k in counts if k[1] is not None} == {(2023, "revision")}  # 2022's shared cells all agree
    assert counts[(2022, None)] > 0
    assert revisions == [f"the re-publication differs from SNM's preliminary figures in {counts[(2023, 'revision')]}"
                         " cell(s) (revised since, probably), largest: 2023 total/total 520,085 vs SNM 333,704,"
                         " 2023-04 sex_age/male_adult 22,018 vs SNM 22,028, 2023-04 sex_age/male_minor 4,323 vs SNM"
                         " 4,313 …"]
