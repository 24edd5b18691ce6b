"""Generated SNM-like documents: the tables of a plain spec printed as an Excel-style PDF or an HTML page.

Used by the transform tests for layouts no real file here shows, and by bench/ for a
synthetic corpus. `write_pdf(spec, path)` / `write_html(spec, path)` print a `DocumentSpec`;
`expected_cells(spec)` says what a parser must read back from it.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

TITLE = "Cuadro No. {number:03d} TRÁNSITO IRREGULAR DE EXTRANJEROS POR LA FRONTERA CON COLOMBIA {subject}: AÑO {year}"
MONTHS = ("Ene.", "Feb.", "Mar.", "Abr.", "May.", "Jun.", "Jul.", "Ago.", "Sep.", "Oct.", "Nov.", "Dic.")
MONTH_NAMES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
               "septiembre", "octubre", "noviembre", "diciembre")
FOOTNOTE = "(1) Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países."
REGION_SUBJECT = "POR REGIÓN SEGÚN ORDEN DE IMPORTANCIA"
COUNTRY_SUBJECT = "POR PAÍS SEGÚN ORDEN DE IMPORTANCIA"


@dataclass
class TableSpec:
    """One printed table: its number, title subject, label-column header and rows (label, 12 months)."""

    number: int
    subject: str
    label_header: str
    rows: list[tuple[str, list[int]]]
    page: int = 1
    break_after: int | None = None  # rows (after Total) printed before a page break
    continuation: str = "none"  # after the break: "none", "header" or "title" (title and header)
    printed: dict[tuple[str, int], str] = field(default_factory=dict)  # (label, month) -> text printed instead

    @property
    def source_table(self) -> str:
        return f"Cuadro No. {self.number:03d}"

    def totals(self) -> list[int]:
        return [sum(months[m] for _, months in self.rows) for m in range(12)]


@dataclass
class TextTableSpec:
    """A `Cuadro No.` printed as plain lines under its title, with no header a reader knows (a weekly table, say)."""

    number: int
    subject: str
    lines: list[str]
    page: int = 1


@dataclass
class DocumentSpec:
    """A whole document: year, tables, how many months it reports, and how it is printed."""

    year: int
    tables: list[TableSpec]
    months_reported: int = 12
    cut_off: date | None = None  # prints "Cifras preliminares al ..." when set
    footnote: bool = False
    ruled: bool = True
    charts: bool = True
    split_numbers: bool = True  # draw "1 ,071" as Excel's PDFs do
    pages: int = 0  # at least this many pages (0: as the tables need)
    text_tables: list[TextTableSpec] = field(default_factory=list)


def _figure(value: int | None) -> str:
    return "-" if not value else f"{value:,}"


def _printed(spec: DocumentSpec, months: list[int]) -> list[int | None]:
    return [months[m] if m < spec.months_reported else None for m in range(12)]


def table_lines(spec: DocumentSpec, table: TableSpec) -> list[tuple[str, list[int | None], int]]:
    """The printed rows of a table: label, 12 months (None: not reported), annual total."""
    rows = [("Total", table.totals()), *table.rows]
    out = []
    for label, months in rows:
        shown = _printed(spec, months)
        out.append((label, shown, sum(v or 0 for v in shown)))
    return out


def expected_cells(spec: DocumentSpec) -> dict[tuple[str, str, int], int]:
    """(source_table, label, month) -> persons for every row a parser must return (Total rows excluded)."""
    cells = {}
    for table in spec.tables:
        for label, months in table.rows:
            for m in range(spec.months_reported):
                cells[(table.source_table, label, m + 1)] = months[m]
    return cells


# ---------------------------------------------------------------- PDF

_PAGE_W, _PAGE_H = 612, 792
_LEFT, _LABEL_W, _TOTAL_W, _MONTH_W, _ROW_H = 36, 92, 42, 36, 10.5


def _cell_right(column: int) -> float:
    """Right edge of column 0 (Total) .. 12 (Dic.)."""
    return _LEFT + _LABEL_W + _TOTAL_W + column * _MONTH_W


def _number(canvas, text: str, right: float, y: float, split: bool) -> None:
    if split and len(text) > 3 and "," in text:
        head, tail = text.split(",", 1)
        canvas.drawRightString(right, y, "," + tail)
        # Excel's PDFs leave a gap inside numbers: pdfplumber reads "1 ,071".
        canvas.drawRightString(right - canvas.stringWidth("," + tail) - 3.5, y, head)
    else:
        canvas.drawRightString(right, y, text)


def _draw_header(canvas, spec: DocumentSpec, table: TableSpec, y: float) -> float:
    from reportlab.lib import colors

    canvas.setFillColor(colors.HexColor("#D9E1F2"))
    canvas.rect(_LEFT, y - 3, _cell_right(12) - _LEFT, _ROW_H, fill=1, stroke=int(spec.ruled))
    canvas.setFillColor(colors.black)
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawCentredString(_LEFT + _LABEL_W / 2, y, table.label_header)
    canvas.drawCentredString(_cell_right(0) - _TOTAL_W / 2, y, "Total")
    for m, name in enumerate(MONTHS, start=1):
        canvas.drawCentredString(_cell_right(m) - _MONTH_W / 2, y, name)
    return y - _ROW_H - 2


def _draw_title(canvas, spec: DocumentSpec, table: TableSpec, y: float) -> float:
    canvas.setFont("Helvetica-Bold", 6.5)
    canvas.drawString(_LEFT, y, TITLE.format(number=table.number, subject=table.subject, year=spec.year))
    return y - _ROW_H - 4


def _draw_rows(canvas, spec: DocumentSpec, rows, y: float, printed: dict | None = None) -> float:
    canvas.setFont("Helvetica", 7)
    printed = printed or {}
    for label, months, total in rows:
        if spec.ruled:
            canvas.setLineWidth(0.3)
            canvas.line(_LEFT, y - 3, _cell_right(12), y - 3)
            for column in range(-1, 13):
                x = _LEFT if column == -1 else _cell_right(column)
                canvas.line(x, y - 3, x, y - 3 + _ROW_H)
        canvas.drawString(_LEFT + 3, y, label)
        _number(canvas, _figure(total), _cell_right(0) - 3, y, spec.split_numbers)
        for m, value in enumerate(months, start=1):
            _number(canvas, printed.get((label, m), _figure(value)), _cell_right(m) - 3, y, spec.split_numbers)
        y -= _ROW_H
    return y


def _draw_charts(canvas, spec: DocumentSpec, table: TableSpec, number: int, y: float) -> float:
    """A bar chart of the monthly totals and a 'pie' legend of shares, labels and percentages as text."""
    if y < 300:
        return y  # no room left on this page: charts are decoration
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawCentredString(_PAGE_W / 2, y, f"Gráfico No. {number:03d} TRÁNSITO IRREGULAR DE "
                             f"EXTRANJEROS POR LA FRONTERA CON COLOMBIA: AÑO {spec.year}")
    y -= 90
    totals = _printed(spec, table.totals())
    peak = max(v or 0 for v in totals) or 1
    canvas.setFont("Helvetica", 6)
    for m, value in enumerate(totals):
        x = 70 + m * 40
        height = 70 * (value or 0) / peak
        canvas.rect(x, y, 18, height, fill=1, stroke=0)
        canvas.drawCentredString(x + 9, y + height + 3, _figure(value))
        canvas.drawCentredString(x + 9, y - 9, MONTHS[m])
    y -= 30
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawCentredString(_PAGE_W / 2, y, f"Gráfico No. {number + 1:03d} PORCENTAJE DE TRÁNSITO "
                             f"IRREGULAR SEGÚN {table.label_header.upper()}: AÑO {spec.year}")
    y -= 20
    grand = sum(table.totals()) or 1
    canvas.setFont("Helvetica", 6)
    canvas.circle(_PAGE_W / 2, y - 40, 35, stroke=1, fill=0)
    for i, (label, months) in enumerate(table.rows[:6]):
        share = round(100 * sum(months) / grand)
        x = 150 + (i % 3) * 150
        canvas.drawString(x, y - (i // 3) * 50, label)
        canvas.drawString(x + 5, y - (i // 3) * 50 - 9, f"{share}%")
    return y - 110


def write_pdf(spec: DocumentSpec, path: Path, *, encrypt_password: str | None = None) -> Path:
    """Print `spec` as an SNM-like PDF (Excel look) at `path`."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=(_PAGE_W, _PAGE_H), encrypt=encrypt_password,
                    pageCompression=0)
    canvas.setAuthor("snm_documents test generator")
    last_page = max([t.page + (t.break_after is not None) for t in spec.tables] + [spec.pages, 1])
    chart = 1
    pending = []  # continuation parts of a table broken across pages
    prelim_done = False
    for page in range(1, last_page + 1):
        y = _PAGE_H - 50
        for table, rows in pending:
            if table.continuation == "title":
                y = _draw_title(canvas, spec, table, y)
            if table.continuation in ("title", "header"):
                y = _draw_header(canvas, spec, table, y)
            y = _draw_rows(canvas, spec, rows, y) - 8
            if spec.footnote and table.subject == COUNTRY_SUBJECT:
                canvas.setFont("Helvetica", 6.5)
                canvas.drawString(_LEFT, y, FOOTNOTE)
                y -= 14
        pending = []
        for table in [t for t in spec.tables if t.page == page]:
            lines = table_lines(spec, table)
            shown = len(lines) if table.break_after is None else table.break_after + 1
            if y - (shown + 3) * _ROW_H < 20:
                raise ValueError(f"{table.source_table} does not fit on page {page}: "
                                 "give it another page or a break_after")
            y = _draw_title(canvas, spec, table, y)
            y = _draw_header(canvas, spec, table, y)
            if table.break_after is not None:
                cut = table.break_after + 1
                _draw_rows(canvas, spec, lines[:cut], y)
                pending.append((table, lines[cut:]))
                break  # nothing follows a table broken at the bottom of its page
            y = _draw_rows(canvas, spec, lines, y, table.printed) - 6
            canvas.setFont("Helvetica", 6.5)
            if spec.cut_off and not prelim_done:
                canvas.drawString(_LEFT, y, f"Cifras preliminares al {spec.cut_off.day} de "
                                  f"{MONTH_NAMES[spec.cut_off.month - 1]} del {spec.cut_off.year} "
                                  "sujetas a revisión y actualización.")
                prelim_done = True
                y -= 12
            if spec.footnote and table.subject == COUNTRY_SUBJECT:
                canvas.drawString(_LEFT, y, FOOTNOTE)
                y -= 12
            y -= 14
            if spec.charts:
                y = _draw_charts(canvas, spec, table, chart, y)
                chart += 2
        for text_table in [t for t in spec.text_tables if t.page == page]:
            canvas.setFont("Helvetica-Bold", 6.5)
            canvas.drawString(_LEFT, y, TITLE.format(number=text_table.number, subject=text_table.subject,
                                                     year=spec.year))
            y -= _ROW_H + 4
            canvas.setFont("Helvetica", 7)
            for line in text_table.lines:
                canvas.drawString(_LEFT, y, line)
                y -= _ROW_H
            y -= 14
        canvas.showPage()
    canvas.save()
    return path


def write_image_pdf(path: Path) -> Path:
    """A one-page PDF holding only a picture of a table, as a scanner would make: no text at all."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (400, 120), "white")
    draw = ImageDraw.Draw(picture)
    for i in range(6):
        draw.line((0, 20 * i, 400, 20 * i), fill="black")
        draw.rectangle((10 + 60 * i, 25, 40 + 60 * i, 35), fill="black")
    canvas = Canvas(str(path), pagesize=(_PAGE_W, _PAGE_H))
    canvas.drawImage(ImageReader(picture), 50, 500, width=500, height=150)
    canvas.showPage()
    canvas.save()
    return path


# ---------------------------------------------------------------- HTML

def write_html(spec: DocumentSpec, path: Path) -> Path:
    """The same tables as an HTML page: a heading with the Cuadro title above each `<table>`."""
    parts = ["<!DOCTYPE html><html lang='es'><head><meta charset='utf-8'>",
             f"<title>Tránsito irregular por Darién {spec.year}</title></head><body>"]
    for table in spec.tables:
        title = TITLE.format(number=table.number, subject=table.subject, year=spec.year)
        parts.append(f"<h3>{html.escape(title)}</h3><table border='1'><thead><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h in (table.label_header, "Total", *MONTHS)]
        parts.append("</tr></thead><tbody>")
        for label, months, total in table_lines(spec, table):
            cells = [label, _figure(total), *(table.printed.get((label, m), _figure(v))
                                              for m, v in enumerate(months, start=1))]
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
        if spec.footnote and table.subject == COUNTRY_SUBJECT:
            parts.append(f"<p>{html.escape(FOOTNOTE)}</p>")
    if spec.cut_off:
        parts.append(f"<p>Cifras preliminares al {spec.cut_off.day} de "
                     f"{MONTH_NAMES[spec.cut_off.month - 1]} del {spec.cut_off.year} "
                     "sujetas a revisión y actualización.</p>")
    for text_table in spec.text_tables:
        title = TITLE.format(number=text_table.number, subject=text_table.subject, year=spec.year)
        parts.append(f"<h3>{html.escape(title)}</h3>" + "".join(f"<p>{html.escape(t)}</p>" for t in text_table.lines))
    parts.append("</body></html>")
    path.write_text("".join(parts), encoding="utf-8")
    return path


# ---------------------------------------------------------------- specs

REGIONS_2021 = ("América del Sur", "Antillas", "África", "Asia", "Europa", "América Central",
                "Oceanía", "Otras regiones")
COUNTRIES = ("Haití", "Cuba", "Chile(1)", "Venezuela", "Brasil(1)", "Senegal", "Bangladesh",
             "Ecuador", "India", "Ghana", "Uzbekistán", "Angola", "Nepal", "Burkina Faso",
             "Rep. Dominicana", "Siri Lanka", "Tajikistán", "Malí", "Guyana Francesa", "Congo",
             "Camerún", "Pakistán", "Afganistán", "China", "Somalia", "Eritrea", "Guinea",
             "Mauritania", "Kirguistán", "Etiopía", "Sierra Leona", "Siria", "Togo", "Perú",
             "Colombia", "Otros Países")
AGE_LABELS = tuple(f"{'0' if a == 0 else f'{a:02d}'} - {a + 5:02d}" for a in range(0, 78, 6)) + (
    "78 y más", "No especificado")


def _split(rng: random.Random, totals: list[int], parts: int) -> list[list[int]]:
    """`parts` rows of monthly figures adding up to `totals`, biggest first, some zeros."""
    rows = [[0] * 12 for _ in range(parts)]
    for m, total in enumerate(totals):
        weights = sorted((rng.random() ** 3 for _ in range(parts)), reverse=True)
        scale = sum(weights)
        left = total
        for i in range(parts - 1):
            share = min(left, int(total * weights[i] / scale))
            rows[i][m] = share
            left -= share
        rows[-1][m] = left
    order = sorted(range(parts), key=lambda i: -sum(rows[i]))
    return [rows[i] for i in order]


def document_spec(year: int, *, seed: int = 0, style: str = "2023", months_reported: int = 12,
                  countries: int = 36, **printing) -> DocumentSpec:
    """A plausible document of one year: style "2021" (Condición sex + adult/minor), "2023" (Género), "2024" (plus age groups)."""
    rng = random.Random(seed)
    totals = [rng.randint(2_000, 90_000) for _ in range(12)]
    regions = REGIONS_2021 if style == "2021" else REGIONS_2021[:6] + ("América del Norte", "Eurasia")
    names = list(COUNTRIES[: countries - 1]) + ["Otros Países"]
    if style != "2021":
        names = [n.replace("(1)", " (1)") for n in names]
    tables = [
        TableSpec(1, REGION_SUBJECT, "Región", list(zip(regions, _split(rng, totals, len(regions))))),
    ]
    if style == "2021":
        tables.append(TableSpec(2, "SEGÚN CONDICIÓN", "Condición",
                                list(zip(("Hombres", "Mujeres"), _split(rng, totals, 2)))))
    else:
        tables.append(TableSpec(2, "SEGÚN GÉNERO", "Género",
                                list(zip(("Hombres", "Mujeres", "Niños", "Niñas"), _split(rng, totals, 4)))))
    tables.append(TableSpec(3, COUNTRY_SUBJECT, "País", list(zip(names, _split(rng, totals, len(names)))),
                            page=2))
    # 2024 moved the adult/minor table to the first page and put age groups under the countries.
    tables.append(TableSpec(4, "SEGÚN CONDICIÓN", "Condición",
                            list(zip(("Adultos", "Menores"), _split(rng, totals, 2))),
                            page=1 if style == "2024" else 2))
    if style == "2024":
        tables.append(TableSpec(5, "SEGÚN GRUPO DE EDAD", "Edad",
                                list(zip(AGE_LABELS, _split(rng, totals, len(AGE_LABELS)))), page=2))
    cut_off = None
    if months_reported < 12:
        m = months_reported
        cut_off = date(year, m + 1, 1).fromordinal(date(year, m + 1, 1).toordinal() - 1)
    return DocumentSpec(year, tables, months_reported=months_reported, cut_off=cut_off,
                        footnote=True, **printing)



def flow_direction_spec(seed: int = 25) -> tuple[DocumentSpec, TableSpec]:
    """A 2025 file to mid-year: the region, Género and country tables, and a fourth no parser knows,
    `Cuadro No. 004 … POR SENTIDO DEL FLUJO` (label column `Sentido`: Sur - Norte, Norte - Sur)."""
    spec = document_spec(2025, seed=seed, months_reported=6, charts=False)
    spec.tables = [t for t in spec.tables if t.number != 4]
    flow = TableSpec(4, "POR SENTIDO DEL FLUJO", "Sentido",
                     [("Sur - Norte", [900, 700, 650, 400, 300, 120, 0, 0, 0, 0, 0, 0]),
                      ("Norte - Sur", [0, 0, 150, 2_400, 4_900, 4_360, 0, 0, 0, 0, 0, 0])], page=2)
    spec.tables.append(flow)
    return spec, flow
