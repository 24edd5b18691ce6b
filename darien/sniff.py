"""What a document is, told from its first bytes: the one rule extract (folders, downloads) and transform share."""

from __future__ import annotations

import re

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


def sniff(head: bytes) -> str | None:
    """ "pdf" or "html" from a document's first HEAD_BYTES bytes (fewer if it is shorter), None for anything else."""
    if b"%PDF-" in head[:PDF_WINDOW]:
        return "pdf"
    text = head[:HEAD_BYTES]
    start = _PREAMBLE.match(text).end()
    if _HTML_START.match(text, start):
        return "html"
    # A fragment (`<h3>Cuadro No. 001 ...</h3><table>`) is a document when it carries a
    # table; text that merely mentions "<table" (a README) does not start with a tag.
    if text[start:start + 1] == b"<" and _TABLE.search(text, start):
        return "html"
    return None
