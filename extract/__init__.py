"""Extract: find SNM documents on index pages or in folders, fetch what changed, land raw bytes by sha256."""

from extract.discover import discover
from extract.faults import SourceError
from extract.fetch import fetch
from extract.links import Link
from extract.session import make_session

__all__ = ["Link", "SourceError", "discover", "fetch", "make_session"]
