"""Documents that cannot be parsed give a typed error of one line naming the file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import transform

from tests import snm_documents as snm

from tests.real_documents import REAL_2022


def parse_error(path: Path) -> transform.ParseError:
    with pytest.raises(transform.ParseError) as caught:
        transform.parse_document(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path.name}: ")
    return caught.value


# SNM's August 2024 file as a public repository holds it: every LF turned into CRLF on the way.
# SNM's August 2024 file as it reached a public repository (../shared/snm/archive/): kept as found.
DAMAGED = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "Dar_update.pdf"
CRLF_REASON = ("no text in the document: line endings converted LF→CRLF in a text-mode transfer "
               "(no bare LF left); fetch the original again, or convert CRLF back to LF")


def test_crlf_mangled_real_pdf_has_no_text(tmp_path):
    mangled = tmp_path / "mangled.pdf"
    mangled.write_bytes(REAL_2022.read_bytes().replace(b"\n", b"\r\n"))
    err = parse_error(mangled)
    assert isinstance(err, transform.NoTextError) and err.reason == CRLF_REASON


def test_the_damaged_2024_file_is_told_to_have_had_its_line_endings_converted():
    data = DAMAGED.read_bytes()
    assert data.startswith(b"%PDF-1.7\r\r\n") and data.count(b"\r\n") == data.count(b"\n") == 3806
    err = parse_error(DAMAGED)
    assert isinstance(err, transform.NoTextError)
    assert str(err) == f"Dar_update.pdf: {CRLF_REASON}" and "scanned" not in str(err)


def test_image_only_pdf_has_no_text(tmp_path):
    err = parse_error(snm.write_image_pdf(tmp_path / "scan.pdf"))
    assert isinstance(err, transform.NoTextError)
    assert err.reason == "no text in the document: its pages hold no text (image-only or scanned PDF)"


def test_a_pdf_written_with_crlf_line_ends_keeps_bare_lfs_and_is_not_told_converted(tmp_path):
    # The real 2022 file holds 2,345 CRLF of its own beside 2,336 bare LF: CRLF alone proves nothing.
    data = REAL_2022.read_bytes()
    assert data.count(b"\r\n") > 2000 and data.count(b"\n") > data.count(b"\r\n")
    assert transform.document.no_text_reason(data).endswith("(image-only or scanned PDF)")


def test_encrypted_pdf(tmp_path):
    path = snm.write_pdf(snm.document_spec(2023, seed=1), tmp_path / "locked.pdf", encrypt_password="secret")
    err = parse_error(path)
    assert isinstance(err, transform.EncryptedError) and "encrypted" in str(err)


def test_zero_bytes(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    err = parse_error(tmp_path / "empty.pdf")
    assert isinstance(err, transform.UnreadableError) and "0 bytes" in str(err)


@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_truncated_pdf(tmp_path, keep):
    data = REAL_2022.read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: int(len(data) * keep)])
    assert isinstance(parse_error(tmp_path / "cut.pdf"), transform.UnreadableError)


def test_not_a_pdf(tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    err = parse_error(tmp_path / "report.pdf")
    assert isinstance(err, transform.UnreadableError) and "not a PDF or HTML" in str(err)


def test_pdf_with_text_but_no_known_table(tmp_path):
    spec = snm.DocumentSpec(2023, [snm.TableSpec(1, "SEGÚN PUESTO DE CONTROL", "Puesto",
                                                 [("Lajas Blancas", [3] * 12)])])
    err = parse_error(snm.write_pdf(spec, tmp_path / "other.pdf"))
    assert isinstance(err, transform.NoTableError)
    # Neither monthly tables nor SNM's historical summary: both are named.
    assert str(err).startswith("other.pdf: no monthly SNM table (1 unknown table(s)) and no table of years "
                               "by nationality (years as columns or as rows), in ")


def test_html_without_tables(tmp_path):
    # About Darién transit by its heading (else it would be NotDarien), but no table the parser knows.
    (tmp_path / "page.html").write_text("<html><body><p>Tránsito irregular por Darién</p>"
                                        "<table><tr><td>x</td></tr></table></body></html>", encoding="utf-8")
    assert isinstance(parse_error(tmp_path / "page.html"), transform.NoTableError)


def test_missing_file(tmp_path):
    assert isinstance(parse_error(tmp_path / "gone.pdf"), transform.UnreadableError)


def test_errors_survive_pickling_between_processes():
    err = pickle.loads(pickle.dumps(transform.ParseTimeout("a.pdf", "took too long")))
    assert type(err) is transform.ParseTimeout and str(err) == "a.pdf: took too long"


def test_errors_name_the_published_file_not_the_landing_zone_name(tmp_path):
    landed = tmp_path / ("ab" * 32 + ".pdf")
    landed.write_bytes(b"")

    with pytest.raises(transform.ParseError) as caught:
        transform.parse_document(landed, source_url="https://www.migracion.gob.pa/images/img2023/pdf/IRREGULARES_POR_%20DARI%C3%89N_2023.pdf")

    assert str(caught.value).startswith("IRREGULARES_POR_ DARIÉN_2023.pdf: ")
