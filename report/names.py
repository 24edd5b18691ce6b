"""Documents as people read them: the name as published, not the URL's percent-escapes."""

from __future__ import annotations

from urllib.parse import unquote


def shown_url(url: str) -> str:
    """`url` with its percent-escapes decoded (TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf, not TR%C3%81NSITO…); for display only."""
    return unquote(url)
