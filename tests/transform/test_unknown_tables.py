"""Tables the parser does not know: every `Cuadro No.` title counts, and their rows and lines travel in the batch."""

from __future__ import annotations

import pytest

import transform
from tests import snm_documents as snm

URL = "https://www.migracion.gob.pa/wp-content/uploads/IRREGULARES-POR-DARIEN-{}.{}"
WEEKLY = ["Semana Total 1 2 3 4", "Personas 1,200 300 250 350 300", "Fuente: Servicio Nacional de Migración"]


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_a_fourth_table_of_unknown_subject_travels_with_its_printed_rows(tmp_path, kind):
    spec, flow = snm.flow_direction_spec()
    write = snm.write_pdf if kind == "pdf" else snm.write_html
    path = write(spec, tmp_path / f"junio.{kind}")
    batch = transform.parse_document(path, source_url=URL.format("JUNIO", kind))
    assert batch.unknown_tables == [snm.TITLE.format(number=4, subject=flow.subject, year=2025)]
    [table] = batch.unknown
    # SNM prints "-" for zero as for a month not reported: the parser reads both as empty.
    printed = [(label, total or None, *(m or None for m in months))
               for label, months, total in snm.table_lines(spec, flow)]
    assert table.rows == printed
    assert table.labels == ["Total", "Sur - Norte", "Norte - Sur"]
    assert table.lines[0] == table.title and len(table.lines) >= 1 + 1 + len(printed)
    assert "Cuadro No. 004" not in set(batch.rows.source_table)
    assert set(batch.rows.breakdown) == {"total", "region", "sex_age", "country"}


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_a_cuadro_without_a_monthly_header_is_kept_with_its_lines(tmp_path, kind):
    spec = snm.document_spec(2025, seed=3, months_reported=4, charts=False)
    spec.text_tables.append(snm.TextTableSpec(5, "POR SEMANA", WEEKLY, page=2))
    write = snm.write_pdf if kind == "pdf" else snm.write_html
    batch = transform.parse_document(write(spec, tmp_path / f"semanal.{kind}"))
    title = snm.TITLE.format(number=5, subject="POR SEMANA", year=2025)
    [table] = batch.unknown
    assert (table.title, table.rows, table.lines) == (title, [], [title, *WEEKLY])
    assert table.page == (2 if kind == "pdf" else 1)
    assert set(batch.rows.source_table) == {f"Cuadro No. 00{n}" for n in (1, 2, 3, 4)}


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_a_row_with_a_cell_the_reader_cannot_read_makes_its_table_unknown(tmp_path, kind):
    spec = snm.document_spec(2024, seed=11, charts=False)
    country = next(t for t in spec.tables if t.label_header == "País")
    country.printed[("Cuba", 3)] = "n/d"
    write = snm.write_pdf if kind == "pdf" else snm.write_html
    batch = transform.parse_document(write(spec, tmp_path / f"nd.{kind}"))
    [table] = batch.unknown
    assert table.title == snm.TITLE.format(number=3, subject=snm.COUNTRY_SUBJECT, year=2024)
    read = [label for label, *_ in snm.table_lines(spec, country) if label != "Cuba"]
    assert table.labels == read  # the rows after Cuba are read too: the table did not end there
    [cuba] = [line for line in table.lines if line.startswith("Cuba")]
    assert "n/d" in cuba
    assert "country" not in set(batch.rows.breakdown)
    assert set(batch.rows.source_table) == {"Cuadro No. 001", "Cuadro No. 002", "Cuadro No. 004"}
