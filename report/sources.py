"""Whose figures these are, in words: every figure a person reads names its source.

`source_kind` (contract.SOURCE_KINDS) says whose publication a figure is: SNM's own files,
or IOM's re-publication of SNM's series in its R package gdidata.
"""

from __future__ import annotations

from collections.abc import Iterable

from darien.contract import SOURCE_KINDS, published_name, shown_url
from report.markdown import CELL, elided

PUBLISHER = {
    "snm": "Panama's National Migration Service (SNM)",
    "republication": "IOM's re-publication of SNM's series (gdidata)",
}
SHORT = {"snm": "SNM", "republication": "gdidata"}  # in a table cell


def publisher(kind: str) -> str:
    """Who published figures of `kind`, for a sentence."""
    return PUBLISHER.get(kind, kind)


def documents(kind: str, urls: Iterable[str]) -> str:
    """The source as a reader should see it: the publisher and its documents' names and URLs."""
    urls = sorted(set(urls))
    files = ", ".join(f"`{published_name(u) or shown_url(u)}` ({shown_url(u)})" for u in urls)
    if kind == "snm":
        return f"SNM's file{'s' if len(urls) > 1 else ''} {files}"
    return f"{publisher(kind)}: {files}"


def short(kind: str, urls: Iterable[str], width: int = CELL) -> str:
    """The source in a table cell of at most `width` characters: `SNM: FILE.pdf` or `gdidata: irreg_darien_nat.rda`,
    the name cut in the middle to fit, `+N` after it for N more documents."""
    names = sorted({published_name(u) or shown_url(u) for u in urls})
    if not names:
        return SHORT.get(kind, kind)
    head, more = f"{SHORT.get(kind, kind)}: ", f" +{len(names) - 1}" if len(names) > 1 else ""
    return head + elided(names[0], width - len(head) - len(more)) + more


def spans(years: Iterable[int]) -> str:
    """2010, 2011, 2012, 2015 -> '2010–2012, 2015'."""
    ordered = sorted(set(years))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def caption(years_by_kind: dict[str, Iterable[int]]) -> str:
    """'Sources: SNM's own files (2022–2023); IOM's re-publication of SNM's series (gdidata) (2010–2021, …)'."""
    parts = []
    for kind in SOURCE_KINDS:
        years = list(years_by_kind.get(kind, ()))
        if years:
            who = "SNM's own files" if kind == "snm" else publisher(kind)
            parts.append(f"{who} ({spans(years)})")
    return "Sources: " + "; ".join(parts) + "." if parts else ""
