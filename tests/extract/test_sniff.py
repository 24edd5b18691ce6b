"""darien.sniff: the one rule, shared by extract and transform, that tells a PDF or an HTML document by its first bytes."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

from darien.sniff import HEAD_BYTES, PDF_WINDOW, sniff
from tests.extract.snm_site import PDF_2022, PDF_2023

WORDPRESS_HEAD = (b"<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"UTF-8\">\n"
                  b"<style>" + b".x{color:red}" * 2000 + b"</style>\n</head>")


@pytest.mark.parametrize("head, kind", [
    (PDF_2022, "pdf"),  # the real SNM files
    (PDF_2023, "pdf"),
    (b"\r\n\x00junk before the header\n%PDF-1.7\n", "pdf"),  # readers accept junk within 1024 bytes
    (b"x" * (PDF_WINDOW - 9) + b"%PDF-1.4\n", "pdf"),
    (b"x" * PDF_WINDOW + b"%PDF-1.4\n", None),  # too late for a header
    (WORDPRESS_HEAD, "html"),
    (b"\xef\xbb\xbf\r\n  <!doctype HTML>\n<html><body></body></html>", "html"),  # BOM, blank lines
    (b"<HTML><BODY><P>Estad\xedsticas</P></BODY></HTML>", "html"),
    (b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\">", "html"),
    (b"<!-- saved from url=(0046)https://www.migracion.gob.pa/estadisticas/ -->\n<html>", "html"),
    (b"<table border='1'><tr><th>Pa\xc3\xads</th></tr></table>", "html"),  # a fragment: the table itself
    (b"<h3>Cuadro No. 001 TR\xc3\x81NSITO IRREGULAR</h3>\n<TABLE>\n<tr><td>1</td></tr></TABLE>", "html"),
    (b"<div>" + b" " * 5000 + b"<table>", "html"),  # the table well past the first KB
    (b"<div>" + b" " * HEAD_BYTES + b"<table>", None),  # but not past the head
    (b"# Notas\n\nLos cuadros van en <table> dentro del sitio.\n", None),  # text that mentions a table
    (b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", None),  # XML, not HTML
    (b"<tablet>", None),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), None),
    (b"PK\x03\x04" + bytes(64), None),  # a spreadsheet (xlsx is a zip)
    (b"Total;Ene.;Feb.\n248284;4702;4262\n", None),
    (b"", None),
])
def test_sniff(head, kind):
    assert sniff(head[:HEAD_BYTES]) == kind


def test_a_head_longer_than_needed_is_read_the_same():
    padded = b"<div>" + b" " * HEAD_BYTES + b"<table>"
    assert sniff(padded) is None and sniff(padded[:HEAD_BYTES]) is None


# R data: the re-publication's real files (bzip2), and the same bytes as R writes them otherwise.
REPUBLICATION = Path(__file__).resolve().parent.parent / "fixtures" / "republication"
NAT = (REPUBLICATION / "irreg_darien_nat.rda").read_bytes()
DMG = (REPUBLICATION / "irreg_darien_dmg.rda").read_bytes()
NAT_PLAIN = bz2.decompress(NAT)


def test_the_real_files_are_bzip2_r_data():
    assert NAT[:3] == DMG[:3] == b"BZh" and NAT_PLAIN.startswith(b"RDX2\n")
    for path in sorted(REPUBLICATION.rglob("*.rda")):
        assert sniff(path.read_bytes()[:HEAD_BYTES]) == "rdata", path.name


@pytest.mark.parametrize("head", [
    NAT_PLAIN,  # save(compress = FALSE)
    gzip.compress(NAT_PLAIN, mtime=0),  # R's default
    lzma.compress(NAT_PLAIN),  # compress = "xz"
    bz2.compress(NAT_PLAIN),
    b"RDX3\n" + NAT_PLAIN[5:],  # R 3.5+ serialisation format 3
    gzip.compress(b"RDX3\nX\n" + bytes(100), mtime=0),
    gzip.compress(NAT_PLAIN, mtime=0)[:200],  # a prefix of the stream is enough (a truncated head)
], ids=["plain", "gzip", "xz", "bzip2", "RDX3", "gzip-RDX3", "gzip-prefix"])
def test_r_data(head):
    assert sniff(head[:HEAD_BYTES]) == "rdata"


@pytest.mark.parametrize("head", [
    gzip.compress(b"Total;Ene.;Feb.\n248284;4702;4262\n", mtime=0),  # a compressed CSV
    bz2.compress(b"<html><body><table></table></body></html>"),  # compressed HTML is no page
    lzma.compress(b"RDA2\nA\n"),  # R's ASCII format, not XDR
    gzip.compress(b"RDX2", mtime=0),  # the magic without its newline
    b"BZh91AY&SY" + bytes(200),  # a bzip2 signature on garbage
    b"\x1f\x8b" + bytes(30),  # a gzip signature on garbage
    b"\xfd7zXZ\x00" + b"\xff" * 30,
    b"RDX4\n",
    b"\n" + NAT_PLAIN,  # the magic must come first
])
def test_not_r_data(head):
    assert sniff(head[:HEAD_BYTES]) is None


def test_a_compressed_pdf_is_not_a_document():
    assert sniff(gzip.compress(PDF_2022, mtime=0)[:HEAD_BYTES]) is None


def test_a_decompression_bomb_is_sniffed_from_a_prefix():
    # 64 KB of gzip input can hold tens of MB of zeros: only a few bytes may come out.
    bomb = gzip.compress(bytes(50_000_000), mtime=0)
    assert len(bomb) < HEAD_BYTES and sniff(bomb) is None
