"""What a document is, told from its first bytes: the one rule extract (folders, downloads) and transform share."""

from __future__ import annotations

import bz2
import lzma
import re
import zlib

# The PDF header may follow some junk; readers accept it within the first 1024 bytes.
PDF_WINDOW = 1024
# A saved SNM table can be a fragment without <html>: its <table> may come after a long
# <head> (WordPress pages carry tens of KB of styles and scripts before the content).
HEAD_BYTES = 64 * 1024

# Before the first tag: a byte-order mark, whitespace, an XML declaration (XHTML) and
# comments (`<!-- saved from url=... -->`, which browsers write when saving a page).
_PREAMBLE = re.compile(rb"\A(?:\xef\xbb\xbf|\s+|<\?xml[^>]*>|<!--.*?-->)*", re.DOTALL)
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|table)[\s>/]", re.IGNORECASE)
_TABLE = re.compile(rb"<table[\s>]", re.IGNORECASE)

# R's save() writes this header (binary XDR, format 2 or 3), usually inside a compressed stream.
RDATA_MAGICS = (b"RDX2\n", b"RDX3\n")
_MAGIC_LENGTH = len(RDATA_MAGICS[0])
# Compressed input fed to a decompressor at a time: a small prefix is enough for gzip and
# xz; bzip2 gives nothing before its first block is whole, so it may need the whole head.
_STEP = 4096
_DECOMPRESSORS = (
    (b"BZh", bz2.BZ2Decompressor),
    (b"\x1f\x8b", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)),  # gzip framing
    (b"\xfd7zXZ\x00", lzma.LZMADecompressor),
)


# What a run reads as a document: SNM's own PDFs and HTML pages, and R data files, which is how
# a re-publication of SNM's series (IOM GDI's `gdidata`) comes; transform.rdata reads those.
DOCUMENT_KINDS = ("pdf", "html", "rdata")


def sniff(head: bytes) -> str | None:
    """ "pdf", "html" or "rdata" from a document's first HEAD_BYTES bytes (fewer if it is shorter), None for anything else."""
    if b"%PDF-" in head[:PDF_WINDOW]:
        return "pdf"
    if is_rdata(head[:HEAD_BYTES]):
        return "rdata"
    text = head[:HEAD_BYTES]
    start = _PREAMBLE.match(text).end()
    if _HTML_START.match(text, start):
        return "html"
    # A fragment (`<h3>Cuadro No. 001 ...</h3><table>`) is a document when it carries a
    # table; text that merely mentions "<table" (a README) does not start with a tag.
    if text[start:start + 1] == b"<" and _TABLE.search(text, start):
        return "html"
    return None


def is_rdata(head: bytes) -> bool:
    """Whether `head` starts an R data file: RDX2/RDX3 as is, or inside a bzip2, gzip or xz stream."""
    if head.startswith(RDATA_MAGICS):
        return True
    for signature, decompressor in _DECOMPRESSORS:
        if head.startswith(signature):
            return _decompressed_prefix(decompressor(), head).startswith(RDATA_MAGICS)
    return False


def _decompressed_prefix(decompressor, data: bytes) -> bytes:
    """The first few decompressed bytes of `data`, fed a step at a time: never more output than the magic needs."""
    out = b""
    try:
        for at in range(0, len(data), _STEP):
            out += decompressor.decompress(data[at:at + _STEP], _MAGIC_LENGTH - len(out))
            if len(out) >= _MAGIC_LENGTH or getattr(decompressor, "eof", False):
                break
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        pass  # corrupt or not really that format: whatever came out before decides
    return out
