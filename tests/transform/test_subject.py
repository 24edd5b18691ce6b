"""Readable documents without SNM's Darién transit markers are NotDarien, decided on the first page; SNM's are read as before."""

from __future__ import annotations

import pickle
import shutil
import zlib
from pathlib import Path

import pdfplumber
import pytest

import transform

from tests import hostile_pdfs
from tests import snm_documents as snm
from tests.real_documents import REAL_2022, REAL_2023



def text_pdf(path: Path, *pages: list[str]) -> Path:
    """A PDF with one page per list of lines, printed as plain text with reportlab."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    for lines in pages:
        for i, line in enumerate(lines):
            canvas.drawString(72, 760 - 14 * i, line)
        canvas.showPage()
    canvas.save()
    return path


def not_darien(path: Path) -> transform.NotDarien:
    with pytest.raises(transform.ParseError) as caught:
        transform.parse_document(path)
    assert type(caught.value) is transform.NotDarien, f"{type(caught.value).__name__}: {caught.value}"
    return caught.value


def without_lineage(batch) -> list[dict]:
    return batch.rows.drop(columns=["source_url", "source_sha256"]).astype(object).to_dict("records")


@pytest.mark.slow
def test_real_first_pages_do_not_name_the_darien_yet_both_are_read(batch_2022, batch_2023):
    # Why the border counts as the place: SNM's own first pages never say DARIÉN.
    for path in (REAL_2022, REAL_2023):
        with pdfplumber.open(path) as pdf:
            first = pdf.pages[0].extract_text()
        assert "FRONTERA CON COLOMBIA" in first and "DARI" not in first.upper()
    totals = [batch.rows.query("breakdown == 'total'").persons.sum() for batch in (batch_2022, batch_2023)]
    assert totals == [248_284, 333_704]  # the session's parses of the same two files


# One name in make check; the other three, each a full parse of the real PDF, in make test.
@pytest.mark.parametrize("renamed", ["Dar_update.pdf", *(pytest.param(name, marks=pytest.mark.slow)
                                                         for name in ("Dar_update", "Dar_update.bin", "DAR_UPDATE.PDF"))])
def test_a_renamed_real_pdf_gives_the_same_batch(tmp_path, renamed, batch_2022):
    copy = tmp_path / renamed
    shutil.copy(REAL_2022, copy)
    batch = transform.parse_document(copy)
    assert without_lineage(batch) == without_lineage(batch_2022)
    assert batch.source_sha256 == batch_2022.source_sha256 and batch.source_url == copy.resolve().as_uri()
    assert (batch.year, batch.as_of, batch.kind) == (2022, batch_2022.as_of, "pdf")
    assert batch.rows.query("breakdown == 'total'").persons.sum() == 248_284


def test_unrelated_text_pdf_is_not_darien_with_a_one_line_message(tmp_path):
    path = text_pdf(tmp_path / "Informe.pdf", ["Informe anual de turismo 2023",
                                               "Visitantes por provincia: Bocas del Toro, Coclé, Colón."])
    err = not_darien(path)
    assert str(err) == "Informe.pdf: no Darién transit markers on its first page (not an SNM Darién document)"


@pytest.mark.parametrize("lines", [
    ["Parque Nacional Darién", "Guía de senderos y aves del parque, temporada 2023."],  # the place alone
    ["Tránsito vehicular en la Ciudad de Panamá", "Conteo por avenida, 2023."],  # the topic alone
    ["Frontera con Colombia: acuerdos de cooperación aduanera 2023"],  # the border alone
])
def test_place_or_topic_alone_is_not_darien(tmp_path, lines):
    not_darien(text_pdf(tmp_path / "otro.pdf", lines))


def test_the_published_name_is_the_one_the_error_gives(tmp_path):
    landed = text_pdf(tmp_path / ("ab" * 32 + ".pdf"), ["Informe anual de turismo 2023"])
    with pytest.raises(transform.NotDarien, match=r"^Residencias_2023\.pdf: no Darién transit markers"):
        transform.parse_document(landed, source_url="https://www.migracion.gob.pa/x/Residencias_2023.pdf")


def test_markers_split_by_the_pdf_still_count(tmp_path):
    # Characters printed apart come out of pdfplumber as separate words ("TRÁN SITO", "DARI ÉN").
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "spaced.pdf"
    canvas = Canvas(str(path))
    for x, piece in [(72, "TRÁN"), (130, "SITO IRRE"), (210, "GULAR POR DARI"), (330, "ÉN 2023")]:
        canvas.drawString(x, 760, piece)
    canvas.drawString(72, 740, "Sin cuadros en esta página.")
    canvas.showPage()
    canvas.save()
    with pytest.raises(transform.ParseError) as caught:
        transform.parse_document(path)
    assert type(caught.value) is transform.NoTableError


def test_only_the_first_page_decides(tmp_path):
    # Markers on a later page do not count: SNM's tables start on the first page.
    cover = text_pdf(tmp_path / "cover.pdf", ["Boletín de turismo"], ["Cuadro No. 001 TRÁNSITO IRREGULAR POR DARIÉN"])
    not_darien(cover)


@pytest.mark.parametrize("heading", [
    "Tránsito irregular por Darién 2024", "IRREGULARES POR DARIEN", "Tránsito por la frontera con Colombia"])
def test_html_with_markers_is_read_further(tmp_path, heading):
    path = tmp_path / "tabla"
    path.write_text(f"<h3>{heading}</h3><table><tr><td>x</td></tr></table>", encoding="utf-8")
    with pytest.raises(transform.ParseError) as caught:
        transform.parse_document(path)
    assert type(caught.value) is transform.NoTableError  # markers found; then no table the parser knows


def test_html_without_markers_is_not_darien(tmp_path):
    path = tmp_path / "visas.htm"
    path.write_text("<!DOCTYPE html><html><head><title>Visas 2023</title></head><body><h3>Visas otorgadas</h3>"
                    "<table><tr><th>País</th><th>Total</th></tr><tr><td>Cuba</td><td>10</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    err = not_darien(path)
    assert str(err) == "visas.htm: no Darién transit markers in its text (not an SNM Darién document)"


def test_generated_snm_html_under_an_odd_name_is_read(tmp_path):
    spec = snm.document_spec(2024, seed=4, style="2024")
    path = snm.write_html(spec, tmp_path / "export (3).dat")
    batch = transform.parse_document(path)
    assert (batch.kind, batch.year) == ("html", 2024)


def test_no_text_encrypted_and_truncated_keep_their_own_errors(tmp_path):
    def error(path: Path) -> type:
        with pytest.raises(transform.ParseError) as caught:
            transform.parse_document(path)
        return type(caught.value)

    assert error(snm.write_image_pdf(tmp_path / "scan.pdf")) is transform.NoTextError
    assert error(snm.write_pdf(snm.document_spec(2023, seed=1), tmp_path / "locked.pdf",
                               encrypt_password="secret")) is transform.EncryptedError
    mangled = tmp_path / "mangled.pdf"
    mangled.write_bytes(REAL_2022.read_bytes().replace(b"\n", b"\r\n"))
    assert error(mangled) is transform.NoTextError
    # Cut short after its trailer, a PDF still opens and shows its first page: without its
    # end it is unreadable, not another subject (its title may be what was lost).
    data = text_pdf(tmp_path / "whole.pdf", ["Informe anual de turismo 2023"]).read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: data.rindex(b"startxref")])
    with pytest.raises(transform.UnreadableError, match=r"^cut\.pdf: unreadable or truncated PDF \(no %%EOF"):
        transform.parse_document(tmp_path / "cut.pdf")


def test_not_darien_pickles_as_itself():
    err = pickle.loads(pickle.dumps(transform.NotDarien("a.pdf", "no Darién transit markers")))
    assert type(err) is transform.NotDarien and isinstance(err, transform.ParseError)
    assert (err.file, err.reason, str(err)) == ("a.pdf", "no Darién transit markers", "a.pdf: no Darién transit markers")


def _unrelated_then_busy(path: Path) -> Path:
    """A two-page PDF: an unrelated first page, then a page that takes pdfminer well over 10 s to lay out."""
    def stream(body: bytes) -> bytes:
        packed = zlib.compress(body, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"

    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 6 0 R >> >> >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
               page % 5, page % 7, stream(b"BT /F1 12 Tf 72 720 Td (Informe anual de turismo 2023) Tj ET"),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               stream(b"BT /F1 1 Tf " + b"1 0 Td (1) Tj " * 200_000 + b"ET")]
    path.write_bytes(hostile_pdfs.pdf(objects))
    return path


def test_the_pool_answers_not_darien_without_reading_past_the_first_page(tmp_path):
    path = _unrelated_then_busy(tmp_path / "boletin.pdf")
    with transform.ParserPool(1, timeout_s=10) as pool:
        future = pool.submit(path, source_url="https://snm.test/boletin.pdf")
        with pytest.raises(transform.ParseError) as caught:
            future.result(timeout=60)
    assert type(caught.value) is transform.NotDarien, f"{type(caught.value).__name__}: {caught.value}"
    assert str(caught.value).startswith("boletin.pdf: no Darién transit markers on its first page")
