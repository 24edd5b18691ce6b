"""Extract: find SNM documents on index pages or in folders, fetch what changed, land raw bytes by sha256."""

from extract.discover import discover
from extract.faults import SourceError
from extract import landing
from extract.faults import Failed, Refused
from extract.fetch import fetch, restore
from extract.links import Link
from extract.session import make_session

__all__ = ["Failed", "Link", "Refused", "SourceError", "discover", "fetch", "landing", "make_session",
           "restore"]
