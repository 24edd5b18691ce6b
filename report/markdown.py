"""Markdown tables that fit where people read them: the Prefect UI shows about 110 characters of a table.

Every table an artifact or report prints goes through `table`: each cell at most CELL characters
(cut with "…"), and `too_wide` names the lines of a markdown text that break either limit.
Longer text (a reason, a path) goes in a list below the table, one line each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ROW = 100  # characters of a table row
CELL = 40  # characters of a table cell


def cell(value, width: int = CELL) -> str:
    """`value` as one table cell: no pipe or line break, at most `width` characters."""
    text = "" if value is None else str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= width else text[: width - 1] + "…"


def elided(text: str, width: int = CELL) -> str:
    """`text` at most `width` characters, cut in the middle: a document's name keeps its start and its
    end (IRREGULARES…NOVIEMBRE-2024.pdf), where SNM's file names differ."""
    if len(text) <= width:
        return text
    head = (width - 1) // 3
    tail = text[len(text) - (width - 1 - head):]
    cut = next((i for i, c in enumerate(tail[:len(tail) // 2]) if c in "-_ ."), None)
    return text[:head] + "…" + (tail[cut + 1:] if cut is not None else tail)  # the tail from a word's start


def table(headers: Sequence[str], rows: Iterable[Sequence], align: Sequence[str] | None = None) -> str:
    """A pipe table of `rows` under `headers`, each cell cut to CELL characters; `align` per column: left or right."""
    from tabulate import tabulate

    body = [[cell(v) for v in row] for row in rows]
    return tabulate(body, headers=[cell(h) for h in headers], tablefmt="pipe", showindex=False,
                    disable_numparse=True, colalign=tuple(align) if align else None)


def too_wide(markdown: str, row: int = ROW, width: int = CELL) -> list[str]:
    """The table lines of `markdown` longer than `row` characters, or with a cell longer than `width`."""
    wide = []
    for line in markdown.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.replace("\\|", "¦").strip("|").split("|")]
        ruler = all(c and set(c) <= {"-", ":"} for c in cells)  # |---|--:| under the headers
        if len(line) > row or (not ruler and any(len(c) > width for c in cells)):
            wide.append(line)
    return wide
