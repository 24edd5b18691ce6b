"""The printed tables of a document, as read off a PDF or HTML page, before they become contract rows."""

from __future__ import annotations

import re
from datetime import datetime
from dataclasses import dataclass, field

from transform.countries import normalise

MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
# The header word naming the label column -> the kind of table it heads.
LABEL_HEADERS = {"region": "region", "pais": "country", "condicion": "condition",
                 "genero": "condition", "edad": "age_group", "grupo de edad": "age_group"}
# Words a known table's title holds, for each kind of table.
TITLE_SUBJECTS = {"region": ("region",), "country": ("pais",),
                  "condition": ("condicion", "genero"), "age_group": ("edad",)}

_MONTH_NAMES = {name: i + 1 for i, name in enumerate((
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
    "septiembre", "octubre", "noviembre", "diciembre"))} | {"sept": 9, "set": 9, "setiembre": 9}
_NUMBER = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$")
_CUADRO = re.compile(r"Cuadro\s+No\.?\s*(\d+)", re.IGNORECASE)
_CHART = re.compile(r"Gr[áa]fic[oa]\s+No\.?\s*\d+", re.IGNORECASE)


@dataclass
class PrintedRow:
    """One table row as printed: label, annual Total and the twelve months (None where `-`)."""

    label: str
    total: int | None
    months: list[int | None]
    page: int


@dataclass
class PrintedTable:
    """One table of a document: its title, label-column header and rows in print order.

    A `Cuadro No.` title that no header followed has label_header ''. `lines` are its text
    lines from the title to the next title, chart or page end; `unreadable` says a row had a
    cell the reader could not read.
    """

    title: str
    label_header: str
    rows: list[PrintedRow] = field(default_factory=list)
    page: int = 1
    lines: list[str] = field(default_factory=list)
    unreadable: bool = False

    @property
    def source_table(self) -> str:
        found = _CUADRO.search(self.title)
        return f"Cuadro No. {found.group(1)}" if found else self.title

    @property
    def kind(self) -> str | None:
        """"region", "country", "condition" or "age_group"; None for a table this parser does not know."""
        if self.unreadable:
            return None
        kind = LABEL_HEADERS.get(normalise(self.label_header))
        title = normalise(self.title)
        if kind is None or not any(word in title for word in TITLE_SUBJECTS[kind]):
            return None
        return kind


def month_index(word: str) -> int | None:
    """1-12 for a month abbreviation or name (`Ene.`, `Sept.`, `Enero`), else None."""
    key = normalise(word).rstrip(".")
    if key in MONTHS:
        return MONTHS.index(key) + 1
    return _MONTH_NAMES.get(key)


def cell_value(text: str) -> int | None | str:
    """A printed cell as an int, None for `-`, or the text itself when it is not a number."""
    compact = "".join(text.split())
    if compact in ("-", "—", "–"):
        return None
    if _NUMBER.match(compact):
        return int(compact.replace(",", ""))
    return text


def is_cuadro_title(text: str) -> bool:
    return _CUADRO.search(text) is not None


def is_chart_title(text: str) -> bool:
    """A `Gráfico No.` line: a chart, which ends the lines of the table above it."""
    return _CHART.search(text) is not None


@dataclass
class PrintedDocument:
    """What a PDF or HTML document prints: its tables in order, its lines of text, its PDF ModDate."""

    tables: list[PrintedTable]
    lines: list[str]
    modified_at: datetime | None = None
