"""Whether a document's text is SNM's irregular transit through the Darién, decided before a full parse."""

from __future__ import annotations

import re
import unicodedata

# pdfplumber's stand-in for a glyph its font does not map to a character: not readable text.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")

# SNM's titles do not always name the Darién: both real PDFs (2022, 2023) open with
# "TRÁNSITO IRREGULAR DE EXTRANJEROS POR LA FRONTERA CON COLOMBIA", so the border stands
# for the place. Matched on text without whitespace, since pdfplumber splits words
# where a PDF spaces its characters out ("DARI ÉN", "2 38,185").
_PLACE = ("DARIEN", "FRONTERACONCOLOMBIA")
_TOPIC = ("TRANSITO", "IRREGULAR")  # IRREGULAR also covers IRREGULARES


def plain(text: str) -> str:
    """`text` upper-cased, without accents, whitespace or unmapped glyphs: what the markers are matched on."""
    text = unicodedata.normalize("NFKD", _UNMAPPED_GLYPH.sub("", text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(text.upper().split())


def has_markers(text: str) -> bool:
    """Whether `text` names the place (DARIÉN, or the border with Colombia) and the topic (TRÁNSITO, IRREGULAR)."""
    flat = plain(text)
    return any(p in flat for p in _PLACE) and any(t in flat for t in _TOPIC)
