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
