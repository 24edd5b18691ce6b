"""Layouts no real file here shows, printed by tests/snm_documents.py and read back."""

from __future__ import annotations

import logging
from datetime import date

import pytest

import transform
from darien import contract

from tests import snm_documents as snm

HAITIAN_PARENTS = "Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países."


def cells(batch: contract.Batch) -> dict[tuple[str, str, int], int]:
    rows = batch.rows[batch.rows.breakdown != "total"]
    return {(r.source_table, r.label, r.month): r.persons for r in rows.itertuples()}


def assert_reads_back(spec: snm.DocumentSpec, batch: contract.Batch) -> None:
    assert cells(batch) == snm.expected_cells(spec)
    totals = batch.rows[batch.rows.breakdown == "total"].set_index("month").persons
    assert list(totals) == spec.tables[0].totals()[: spec.months_reported]
    recon = batch.reconciliation
    assert (recon.expected == recon.actual).all()
    assert batch.rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    assert not (batch.rows.category == contract.UNMAPPED).any()
    assert not batch.rows.duplicated(list(contract.PRIMARY_KEY)).any()


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
def test_2021_style_with_markers_glued_to_names(tmp_path, ruled):
    spec = snm.document_spec(2021, style="2021", seed=21, ruled=ruled)
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "2021.pdf"))
    assert_reads_back(spec, batch)
    rows = batch.rows
    chile = rows[rows.category == "CHL"]
    assert set(chile.label) == {"Chile(1)"} and set(chile.note) == {HAITIAN_PARENTS}
    assert set(rows[rows.breakdown == "region"].category) == {
        "south_america", "caribbean", "africa", "asia", "europe", "central_america", "oceania", "other"}
    assert set(rows.breakdown) == {"total", "region", "sex", "country", "age_status"}
    assert set(rows[rows.breakdown == "sex"].category) == {"male", "female"}
    assert (batch.year, batch.as_of, batch.preliminary) == (2021, date(2021, 12, 31), False)


def test_2024_style_five_tables_with_age_groups_and_a_moved_table(tmp_path):
    spec = snm.document_spec(2024, style="2024", seed=24, months_reported=8)
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "2024.pdf"))
    assert_reads_back(spec, batch)
    rows = batch.rows
    assert set(rows.source_table) == {f"Cuadro No. 00{n}" for n in range(1, 6)}
    assert set(rows[rows.source_table == "Cuadro No. 004"].source_page) == {1}  # moved to page 1
    ages = rows[rows.breakdown == "age_group"]
    assert set(ages.category) == set(contract.AGE_GROUPS)
    assert set(ages[ages.label == "0 - 05"].category) == {"00-05"}
    assert set(ages[ages.label == "78 y más"].category) == {"78+"}
    assert set(ages[ages.label == "No especificado"].category) == {"unknown"}
    assert set(rows[rows.breakdown == "sex_age"].category) == set(contract.BREAKDOWNS["sex_age"])
    # Preliminary: printed cut-off, and no rows for September to December.
    assert (batch.as_of, batch.preliminary) == (date(2024, 8, 31), True)
    assert set(rows.month) == set(range(1, 9))


@pytest.mark.parametrize("continuation", ["none", "header", "title"])
def test_country_table_broken_across_pages(tmp_path, continuation):
    spec = snm.document_spec(2023, seed=7)
    country = next(t for t in spec.tables if t.label_header == "País")
    country.break_after, country.continuation = 20, continuation
    for table in spec.tables:
        if table.number == 4:
            table.page = 3  # after the continued rows
    spec.charts = False
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "broken.pdf"))
    assert_reads_back(spec, batch)
    pages = batch.rows[batch.rows.source_table == "Cuadro No. 003"].groupby("label").source_page.first()
    first_label, last_label = spec.tables[2].rows[0][0], spec.tables[2].rows[-1][0]
    assert pages[first_label] == 2 and pages[last_label] == 3


def test_unknown_table_is_skipped_recorded_and_warned(tmp_path, caplog):
    spec = snm.document_spec(2023, seed=5)
    spec.tables.append(snm.TableSpec(5, "SEGÚN PUESTO DE CONTROL", "Puesto",
                                     [("Lajas Blancas", [10] * 12), ("San Vicente", [5] * 12)], page=2))
    spec.charts = False
    with caplog.at_level(logging.WARNING, logger="transform"):
        batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "extra.pdf"))
    expected = {k: v for k, v in snm.expected_cells(spec).items() if k[0] != "Cuadro No. 005"}
    assert cells(batch) == expected
    assert len(batch.unknown_tables) == 1 and "PUESTO DE CONTROL" in batch.unknown_tables[0]
    assert any("PUESTO DE CONTROL" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("style,year", [("2021", 2021), ("2023", 2023), ("2024", 2024)])
def test_html_gives_the_same_rows_as_the_pdf(tmp_path, style, year):
    spec = snm.document_spec(year, style=style, seed=year, months_reported=10)
    from_pdf = transform.parse_document(snm.write_pdf(spec, tmp_path / "d.pdf"))
    from_html = transform.parse_document(snm.write_html(spec, tmp_path / "d.html"))
    assert from_html.kind == "html" and from_pdf.kind == "pdf"
    assert_reads_back(spec, from_html)
    columns = [c for c in contract.COLUMNS if c not in ("source_url", "source_sha256", "source_page")]
    def ordered(batch):  # the PDF prints tables page by page, the page in number order
        return batch.rows[columns].sort_values(list(contract.PRIMARY_KEY)).reset_index(drop=True)

    assert ordered(from_html).equals(ordered(from_pdf))
    assert (from_html.year, from_html.as_of, from_html.preliminary) == (
        from_pdf.year, from_pdf.as_of, from_pdf.preliminary)


def test_numbers_printed_whole_read_the_same(tmp_path):
    spec = snm.document_spec(2022, style="2021", seed=2, split_numbers=False, ruled=False)
    assert_reads_back(spec, transform.parse_document(snm.write_pdf(spec, tmp_path / "whole.pdf")))


def test_unknown_country_is_kept_as_unmapped_not_guessed(tmp_path):
    spec = snm.document_spec(2023, seed=9)
    country = next(t for t in spec.tables if t.label_header == "País")
    country.rows[5] = ("Atlántida", country.rows[5][1])
    batch = transform.parse_document(snm.write_pdf(spec, tmp_path / "atlantis.pdf"))
    rows = batch.rows[batch.rows.label == "Atlántida"]
    assert len(rows) == 12 and set(rows.category) == {contract.UNMAPPED}
