"""Transform: read every table of an SNM document (PDF or HTML) into contract rows and a reconciliation frame."""

from transform.document import parse_document
from transform.errors import (
    EncryptedError, LayoutError, NoTableError, NoTextError, ParseError, ParseMemoryError,
    ParseTimeout, UnreadableError, WorkerCrashed,
)
from transform.pool import ParserPool

__all__ = [
    "parse_document", "ParserPool", "ParseError", "EncryptedError", "NoTextError",
    "NoTableError", "UnreadableError", "LayoutError", "ParseTimeout", "ParseMemoryError",
    "WorkerCrashed",
]
