"""How a document's task runs are named: as published, with the years once parsed, readable in the run graph."""

from __future__ import annotations

from flows.documents import document_names, stage_name
from flows.run import DocumentOutcome


def test_a_stage_after_parse_names_the_years_then_the_document(batch_2022, nat_batch):
    assert stage_name(batch_2022, "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf") == \
        "2022: IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf"
    # The re-publication spans years; the UI's run graph draws ASCII only (it showed `2010–2025` as `20102025`).
    assert stage_name(nat_batch, "irreg_darien_nat.rda") == \
        f"{min(nat_batch.years)}-{max(nat_batch.years)}: irreg_darien_nat.rda"
    assert stage_name(nat_batch, "irreg_darien_nat.rda").isascii()


def test_a_name_published_twice_in_a_run_gets_its_short_hash():
    rows = [DocumentOutcome("https://a.example/x/Informe.pdf", "a" * 64),
            DocumentOutcome("https://b.example/y/Informe.pdf", "b" * 64),
            DocumentOutcome("https://a.example/x/TRÁNSITO.pdf", "c" * 64)]
    assert document_names(rows) == {
        (rows[0].url, rows[0].sha256): "Informe.pdf (aaaaaa)",
        (rows[1].url, rows[1].sha256): "Informe.pdf (bbbbbb)",
        (rows[2].url, rows[2].sha256): "TRÁNSITO.pdf",  # as published: the graph's ASCII is ours, not the name's
    }
