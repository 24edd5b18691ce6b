"""The ways one source or one document can go wrong, each carried as a one-line message."""

from __future__ import annotations


class SourceError(RuntimeError):
    """An index page or folder could not be read at all (the message names it and why)."""


class Refused(Exception):
    """The document is not what we accept: off-host redirect, wrong type, too large."""


class Failed(Exception):
    """The document could not be fetched this time: HTTP error, timeout, truncated body."""


def one_line(err: BaseException) -> str:
    """An exception's message folded onto one line (and kept short), or its type's name."""
    return " ".join(str(err).split())[:300] or type(err).__name__
