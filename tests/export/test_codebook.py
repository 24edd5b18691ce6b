"""The codebook: README shows exactly its rendering, and it names every category the contract allows."""

from __future__ import annotations

from pathlib import Path

from darien import contract
from export import codebook
from load import dimensions

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n\n") + len(f"\n## {title}\n\n")
    end = text.find("\n## ", start)
    return text[start:] if end < 0 else text[start:end]


def test_readme_codebook_section_is_the_rendering_of_export_codebook():
    # If this fails: paste export.codebook.markdown() into README.md's Codebook section.
    assert readme_section("Codebook") == codebook.markdown()


def test_every_category_the_contract_allows_is_in_the_codebook():
    listed = codebook.categories()
    assert set(listed) == set(contract.BREAKDOWNS)
    for breakdown, allowed in contract.BREAKDOWNS.items():
        if allowed is not None:
            assert set(listed[breakdown]) == set(allowed), breakdown
    countries = set(dimensions.read_countries().iso3)
    assert contract.OTHER_COUNTRIES in countries
    assert set(listed["country"]) == countries
    assert all(meaning.strip() for cats in listed.values() for meaning in cats.values())


def test_the_codebook_states_the_traps():
    text = codebook.markdown()
    for trap in ("Never sum across breakdowns", "`sex` (2021-2022, all ages)", "`OTHER`",
                 "children of Haitian parents", "will change"):
        assert trap in text
    assert "`CHL` Chile" in text and "`VEN` Venezuela" in text


def test_every_exported_column_has_a_meaning(engine):
    from export.package import read_table

    for table in codebook.TABLES:
        columns = set(read_table(engine, table).columns)
        assert columns and columns - set(codebook.COLUMNS) == set(), table
        assert all(codebook.COLUMNS[c] for c in columns), table


def test_the_codebook_states_the_two_sources_and_the_re_publication_s_rules():
    text = codebook.markdown()
    for stated in ("`source_kind`", "`snm`, SNM's own files", "`republication`, IOM's re-publication",
                   "A year follows SNM's newest file even when it is partial", "333,704", "520,085",
                   "a `total` row of 0 (2020-04, -05 and -07", "no per-nationality zeros are written",
                   "`TIB` is not an ISO code", "counted under `asia`", "`XKX` is Kosovo", "counted under `europe`",
                   "`unassigned` exists only in `v_annual_series`' derived region rows", "`basis`", "`months`"):
        assert stated in text, stated
    for column, words in (("source_kind", ("snm", "republication")), ("basis", ("annual", "months")),
                          ("kind", ("swapped", "revision", "disagreement")), ("derived", ("v_annual_series",)),
                          ("months", ("total breakdown",)), ("month", ("0 in v_source_comparison",))):
        assert all(w in codebook.COLUMNS[column] for w in words), column
    assert {contract.ANNUAL_TABLE, "v_annual_series", "v_source_comparison"} <= set(codebook.TABLES)


def test_what_the_codebook_says_of_the_samples_is_what_they_give(engine, nat_batch, batch_2023):
    """The figures and rules the codebook states, read from the real re-publication and SNM's 2023 file."""
    import load
    import sqlalchemy as sa

    load.publish(engine, nat_batch)
    load.publish(engine, batch_2023)
    with engine.connect() as conn:
        def rows(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        # 2023 follows SNM's partial file; the re-publication's twelve months stay in its own history.
        assert rows("SELECT persons, basis, months, source_kind, preliminary FROM v_annual_series"
                    " WHERE year = 2023 AND breakdown = 'total'") == [(333_704, "months", 8, "snm", True)]
        assert rows("SELECT SUM(persons), COUNT(*) FROM darien_transit_history WHERE year = 2023"
                    " AND breakdown = 'total' AND source_kind = 'republication' AND valid_to IS NULL") == [(520_085, 12)]
        assert rows("SELECT MIN(month), MAX(month) FROM v_source_comparison WHERE year = 2023 AND month > 0") == [(1, 8)]
        assert rows("SELECT snm_persons, snm_preliminary, republished_persons, kind FROM v_source_comparison"
                    " WHERE year = 2023 AND month = 0") == [(333_704, True, 520_085, "revision")]
        # The zero rules: 2020's closed months are a total of 0 and nothing else.
        assert rows("SELECT month, persons FROM darien_transit WHERE year = 2020 AND breakdown = 'total'"
                    " AND persons = 0 ORDER BY month") == [(4, 0), (5, 0), (7, 0)]
        assert rows("SELECT DISTINCT month FROM darien_transit WHERE year = 2020 AND breakdown = 'country'"
                    " AND month IN (4, 5, 7)") == []
        assert rows("SELECT COUNT(*) FROM darien_transit WHERE source_kind = 'republication' AND persons = 0"
                    " AND breakdown <> 'total'") == [(0,)]
        # TIB and XKX, and where the series puts them.
        assert rows("SELECT iso3, snm_region FROM dim_country WHERE iso3 IN ('TIB', 'XKX') ORDER BY iso3") == [
            ("TIB", "asia"), ("XKX", "europe")]
        assert rows("SELECT MIN(year), MAX(year) FROM darien_transit_annual WHERE category = 'TIB'") == [(2012, 2016)]
        assert rows("SELECT MIN(year), MAX(year) FROM darien_transit_annual WHERE category = 'XKX'") == [(2016, 2017)]
        # unassigned: in the series' derived region rows only, and exactly OTHER.
        assert rows("SELECT COUNT(*) FROM darien_transit WHERE category = 'unassigned'") == [(0,)]
        assert rows("SELECT DISTINCT derived FROM v_annual_series WHERE category = 'unassigned'") == [(True,)]
        assert rows("SELECT s.persons = o.persons FROM v_annual_series s JOIN v_annual_series o ON o.year = s.year"
                    " AND o.category = 'OTHER' WHERE s.year = 2024 AND s.category = 'unassigned'") == [(True,)]
