"""Tables of an SNM HTML page: the same tables as the PDF, as `<table>` elements under their titles."""

from __future__ import annotations

from collections.abc import Callable

from transform.countries import normalise
from transform.errors import UnreadableError
from transform.tables import (
    PrintedDocument, PrintedRow, PrintedTable, cell_value, is_chart_title, is_cuadro_title, month_index,
)

_TEXT_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "li", "div", "span", "td", "th",
                "strong", "b", "em", "small", "figcaption", "title"}


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _columns(cells: list[str]) -> dict[int, int] | None:
    """Column index -> 0 (Total) or month 1-12, when `cells` are a header row."""
    keys = [normalise(c) for c in cells]
    if "total" not in keys[1:]:
        return None
    at = keys.index("total", 1)
    columns = {at: 0}
    for i, cell in enumerate(cells[at + 1:], start=at + 1):
        month = month_index(cell)
        if month is not None:
            columns[i] = month
    return columns if len(columns) > 6 else None


def _table(element, title: str) -> PrintedTable | None:
    """The table under a header row it knows; a `Cuadro No.` titled table without one is kept
    with its lines and no label header; None for any other table (layout, not figures)."""
    table, columns, lines = None, None, [title] if title else []
    for tr in element.iter("tr"):
        cells = [_text(c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if not cells:
            continue
        lines.append(" ".join(c for c in cells if c))
        if columns is None:
            if found := _columns(cells):
                columns = found
                table = PrintedTable(title, cells[0])
            continue
        texts = {key: cells[i] if i < len(cells) else "" for i, key in columns.items()}
        values = {key: cell_value(text) if text.strip() else None for key, text in texts.items()}
        unread = sum(isinstance(v, str) for v in values.values())
        if not cells[0] or not texts[0].strip() or unread:
            # A note or sub-heading inside the table, not a row; a row of figures with a cell
            # that is none makes the table one the parser cannot read.
            table.unreadable |= bool(cells[0]) and 0 < unread and len(values) - unread >= 6
            continue
        table.rows.append(PrintedRow(cells[0], values.get(0), [values.get(m) for m in range(1, 13)], 1))
    if table is None and is_cuadro_title(title):
        table = PrintedTable(title, "")
    if table is not None:
        table.lines = lines
    return table


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_html(data: bytes, name: str, *, screen: Callable[[str], None] | None = None) -> PrintedDocument:
    """Every table of an HTML page, titled by its caption or the `Cuadro No.` text above it.

    `screen`, if given, gets the page's whole text before any table is read, and may raise to stop there.
    """
    import lxml.html
    from lxml.etree import ParserError

    try:
        # libxml2 reads bytes without a declared charset as Latin-1 ("TrÃ¡nsito"); a saved
        # table is often UTF-8 with no declaration. Bytes that decode as UTF-8 are UTF-8.
        parser = lxml.html.HTMLParser(encoding="utf-8") if _is_utf8(data) else None
        root = lxml.html.document_fromstring(data, parser=parser)
    except (ParserError, ValueError) as err:
        raise UnreadableError(name, f"unreadable HTML ({err})") from None
    if screen is not None:
        screen(root.text_content())
    lines: list[str] = []
    tables: list[PrintedTable] = []
    title = ""
    pending: PrintedTable | None = None  # a title no table has followed yet: its lines so far
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "table":
            caption = element.find("caption")
            own = _text(caption) if caption is not None else ""
            table = _table(element, own if is_cuadro_title(own) else title)
            if table is not None:
                tables.append(table)
            title, pending = "", None
        elif element.tag in _TEXT_BLOCKS and not len(element.xpath("ancestor::table")):
            if element.tag == "div" and element.xpath(".//p|.//h1|.//h2|.//h3|.//h4|.//table|.//div"):
                continue
            text = _text(element)
            if text:
                lines.append(text)
                if is_cuadro_title(text) or is_chart_title(text):
                    if pending is not None:
                        tables.append(pending)  # a title no table followed: kept with its lines
                    pending = PrintedTable(text, "", lines=[text]) if is_cuadro_title(text) else None
                    title = text if pending is not None else ""
                elif pending is not None:
                    pending.lines.append(text)
    if pending is not None:
        tables.append(pending)
    for table in tables:
        for row in table.rows:
            lines.append(" ".join([row.label, *(str(v) for v in row.months if v is not None)]))
    return PrintedDocument(tables, lines)
