"""`darien status` and the warehouse-status artifact: each year's figures with their source kind and document."""

from __future__ import annotations

from pathlib import Path

import load
import report
from darien.contract import DocumentVersion, UnknownTable
from report.markdown import too_wide
from report.status import unknown_table_markdown
from tests.load.test_sources import SNM_URL, snm_2022
from tests.republication import NAT, RAW_URL

UPLOADS = "https://www.migracion.gob.pa/wp-content/uploads/"
CRLF = ("line endings converted LF→CRLF in a text-mode transfer (no bare LF left); fetch the original again, "
        "or convert CRLF back to LF")


def test_each_year_s_figures_name_their_source_kind_and_document(republished):
    load.publish(republished, snm_2022())
    table = report.status(republished).as_of
    assert table.columns[:3] == ["year", "figures", "source_kind"]
    rows = {(r[0], r[1]): r for r in table.rows}
    assert set(rows) == {(y, "annual") for y in range(2010, 2020)} | {(y, "monthly") for y in range(2020, 2026)}
    source = table.columns.index("source_url")
    assert rows[(2017, "annual")][2] == "republication" and rows[(2017, "annual")][source] == RAW_URL + NAT.name
    assert rows[(2022, "monthly")][2] == "snm" and rows[(2022, "monthly")][source] == SNM_URL
    kind, as_of, preliminary = rows[(2025, "monthly")][2:5]
    assert (kind, str(as_of), preliminary) == ("republication", "2025-04-30", True)  # April 2025, the year's last month
    assert "### Figures published, by year and source" in report.status(republished).markdown()


def _ledger(engine, name: str, sha256: str, status: str, error: str) -> None:
    """A version of `name` on SNM's site recorded in the ledger with `status` and `error`, as a run leaves it."""
    load.ledger.record_fetch(engine, DocumentVersion(
        url=UPLOADS + name, source="https://www.migracion.gob.pa/estadisticas/", fetch="downloaded",
        sha256=sha256, path=Path("/raw/x.pdf"), content_type="application/pdf", bytes=10, kind="pdf", year=2024))
    load.ledger.set_status(engine, UPLOADS + name, sha256, status, error=error)


def _table(markdown: str, title: str) -> list[dict[str, str]]:
    """The rows of the table under `### title`, as {header: cell}."""
    section = markdown.split(f"### {title}\n\n", 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    split = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return [dict(zip(split[0], cells)) for cells in split[2:]]


def _names(cell: str, name: str) -> bool:
    """Whether a table cell shows the document `name`: whole, or its start and end around "…"."""
    head, _, tail = cell.partition("…")
    return cell == name or (bool(tail) and name.startswith(head) and name.endswith(tail))


def test_the_status_fits_the_ui_with_documents_by_name_and_short_hash_and_reasons_below(republished, batch_2023):
    load.publish(republished, batch_2023)  # SNM's own 2023 file: TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf
    _ledger(republished, "Dar_update.pdf", "c1" * 32, "failed", CRLF)
    long_name = "IRREGULARES-POR-DARIEN-NOVIEMBRE-2024.pdf"  # 41 characters, as SNM names its monthly files
    _ledger(republished, long_name, "d2" * 32, "quarantined", "expect_column_values_to_be_between failed")

    text = report.status(republished, present=set()).markdown()

    assert too_wide(text) == []
    assert not [line for line in text.splitlines() if line.startswith("|") and "://" in line]  # no URL in a table
    figures = {r["year"]: r for r in _table(text, "Figures published, by year and source")}
    assert {k: figures["2023"][k] for k in ("source", "as_of", "prelim.", "sha256")} == {
        "source": "SNM", "as_of": "2023-08-31", "prelim.": "yes", "sha256": batch_2023.source_sha256[:6]}
    assert _names(figures["2023"]["document"], "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf")
    assert (figures["2017"]["document"], figures["2017"]["source"]) == ("irreg_darien_nat.rda", "gdidata")
    failed = {r["status"]: r for r in _table(text, "Quarantined or failed documents")}
    assert (failed["failed"]["document"], failed["failed"]["sha256"], failed["failed"]["year"]) == (
        "Dar_update.pdf", "c1c1c1", "2024")
    shown = failed["quarantined"]["document"]
    assert "…" in shown and _names(shown, long_name) and shown.endswith("NOVIEMBRE-2024.pdf")  # cut in the middle
    assert "error" not in failed["failed"]
    lines = text.splitlines()
    assert f"- `Dar_update.pdf` ({'c1' * 6}): {CRLF}" in lines  # the reason whole, on one line below the table
    # The list below names every document whole, with its URL, once.
    assert [line for line in lines if line.endswith(UPLOADS + "Dar_update.pdf")] == [
        f"- `Dar_update.pdf` {'c1' * 6}: {UPLOADS}Dar_update.pdf"]
    assert f"- `{long_name}` {'d2' * 6}: {UPLOADS}{long_name}" in lines
    assert sum(line.startswith("- `TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf` ") for line in lines) == 1


def test_a_whole_year_of_a_table_the_parser_does_not_know_is_split_to_fit():
    """Twelve months of six-digit figures make a 120-character row: the months go in two tables, every figure kept."""
    rows = [("Sur - Norte", 1_234_567, *range(100_001, 100_013)), ("Norte - Sur", None, *[None] * 11, 5)]
    text = unknown_table_markdown(UnknownTable("Cuadro No. 004 POR SENTIDO DEL FLUJO", 3, rows=rows))

    assert too_wide(text) == []
    first, second = text.split("\n\n")
    cells = [[c.strip() for c in line.strip("|").split("|")] for part in (first, second)
             for line in part.splitlines()]
    assert cells[0] == ["label", "Total", "Ene", "Feb", "Mar", "Abr", "May", "Jun"]
    assert cells[2] == ["Sur - Norte", "1234567", *map(str, range(100_001, 100_007))]
    assert cells[4] == ["label", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic"]
    assert cells[6:] == [["Sur - Norte", *map(str, range(100_007, 100_013))], ["Norte - Sur", "-", "-", "-", "-", "-", "5"]]
