"""SNM's historical summary (a generated stand-in) published beside the re-publication: the annual table takes SNM's figures."""

from __future__ import annotations

import sqlalchemy as sa

import load
from tests.transform.annual_documents import Summary, write_summary
from tests.transform.test_annual import PRINTED, SUMMARY_TITLE, YEARS, figures  # noqa: F401 (a fixture)
from transform.document import parse_document


def test_a_generated_summary_takes_2010_2019_and_agrees_with_the_re_publication(engine, tmp_path, figures, nat_batch):
    rows = {PRINTED.get(code, "Otros"): by_year for code, by_year in figures.items()}
    path = write_summary(Summary(years=YEARS, rows=rows, title=SUMMARY_TITLE, cuadro=None),
                         tmp_path / "Estadisticas_Darien_2010-2019.pdf")
    load.publish(engine, nat_batch)
    stats = load.publish(engine, parse_document(path, source_url="https://www.migracion.gob.pa/Estadisticas_Darien_2010-2019.pdf"))
    assert not stats.superseded
    with engine.connect() as conn:
        def rows_of(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        # Every 2010-2019 figure of the annual table is now SNM's own, with the same totals.
        assert rows_of("SELECT DISTINCT source_kind FROM darien_transit_annual") == [("snm",)]
        assert rows_of("SELECT year, persons FROM v_annual_series WHERE breakdown = 'total' AND year IN (2010, 2017, 2019)"
                       " ORDER BY year") == [(2010, 559), (2017, 6_780), (2019, 22_102)]
        assert rows_of("SELECT DISTINCT source_kind FROM v_annual_series WHERE year < 2020") == [("snm",)]
        # The monthly years stay the re-publication's: an annual figure evicts no month.
        assert rows_of("SELECT DISTINCT source_kind FROM darien_transit") == [("republication",)]
        # Compared cell by cell (month 0): every figure the summary prints for a country it names, and
        # every total, and they agree. Its dashes (0) face the re-publication's missing rows, so are
        # no row; its `Otros` lumps other countries than the re-publication's, so is not compared.
        printed = {(year, "country", code) for code, by_year in figures.items() if code != "OTHER"
                   for year in YEARS if by_year.get(year)}
        totals = {(year, "total", "total") for year in YEARS}
        compared = rows_of("SELECT year, breakdown, category, kind FROM v_source_comparison"
                           " WHERE month = 0 AND year < 2020")
        assert sorted(compared) == sorted((*cell, None) for cell in printed | totals)
