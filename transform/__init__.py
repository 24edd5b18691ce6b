"""Transform: read an SNM document (PDF or HTML) or the re-publication's R data into contract rows, annual rows and a reconciliation frame."""

from transform.errors import (
    EncryptedError, LayoutError, NoTableError, NoTextError, NotDarien, ParseError, ParseMemoryError,
    ParseTimeout, UnreadableError, WorkerCrashed,
)
from transform.pool import ParserPool

__all__ = [
    "parse_document", "ParserPool", "ParseError", "EncryptedError", "NoTextError",
    "NoTableError", "NotDarien", "UnreadableError", "LayoutError", "ParseTimeout", "ParseMemoryError",
    "WorkerCrashed",
]


def __getattr__(name: str):
    # parse_document (pandas, the PDF parsers) is imported on first use: the flows import this
    # package for its pool and errors, and a quiet nightly run parses nothing.
    if name == "parse_document":
        from transform.document import parse_document

        return parse_document
    raise AttributeError(f"module 'transform' has no attribute {name!r}")
