"""Typed parse failures: each prints as one line, "<file name>: <reason>"."""

from __future__ import annotations


def document_name(path, source_url: str | None = None) -> str:
    """The name errors give a document: its published file name, not the landing zone's sha256 name."""
    from pathlib import Path

    from darien.contract import published_name

    return (published_name(source_url) if source_url else "") or Path(path).name


class ParseError(Exception):
    """A document could not be parsed; `str(err)` is one line naming the file and the reason.

    `quarantine` is True for a readable file whose figures are bad (an NA or negative count,
    an unknown code): the run records the version as quarantined, not failed.
    """

    quarantine = False

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{file}: {self.reason}")

    def __reduce__(self):
        # Worker processes send these back through pickle: rebuild from both parts.
        return (type(self), (self.file, self.reason))


class EncryptedError(ParseError):
    """The PDF is encrypted and cannot be read without a password."""


class NoTextError(ParseError):
    """The document yields no words: image-only or scanned, or its line endings converted in a text-mode transfer."""


class NoTableError(ParseError):
    """The document has text but no table the parser recognises."""


class UnreadableError(ParseError):
    """The bytes are not a readable PDF or HTML document (empty, truncated, another format)."""


class NotDarien(ParseError):
    """The document has readable text, but none of SNM's Darién transit markers: another subject, skipped."""


class LayoutError(ParseError):
    """A recognised table breaks the layout rules (no Total row, no year in its title)."""


class ParseTimeout(ParseError):
    """Parsing took longer than the per-document time limit."""


class ParseMemoryError(ParseError):
    """Parsing needed more memory than the worker is allowed."""


class WorkerCrashed(ParseError):
    """The worker process died while parsing the document."""
