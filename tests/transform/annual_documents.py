"""Generated stand-ins for SNM's historical summary (2010-2019 by nationality), whose real layout is not known here.

Printed with reportlab from plain figures, independently of the parser (nothing from
transform/ is imported): a table with years as columns or as rows, a Total row and a Total
column, numbers whose first digit comes apart (`2 9,289`), and a chart under the table
whose labels and percentages are text on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TITLE = ("TRÁNSITO IRREGULAR DE EXTRANJEROS POR LA FRONTERA CON COLOMBIA, "
         "SEGÚN PAÍS DE NACIONALIDAD: AÑOS {first}-{last}")
FONT = 7


@dataclass
class Summary:
    """Figures to print: country label -> year -> persons, in print order (an `Otros` row last)."""

    years: list[int]
    rows: dict[str, dict[int, int]]
    years_as: str = "columns"  # "columns" | "rows"
    total_row_first: bool = True
    total_column: bool = True
    split_numbers: bool = True
    chart: bool = True
    cuadro: int | None = 1
    label_header: str = ""  # default: "País" for years as columns, "Año" for years as rows
    title: str = ""  # default: TITLE with the first and last year
    extra_lines: list[str] = field(default_factory=list)  # printed above the title

    def total(self, year: int) -> int:
        return sum(by_year.get(year, 0) for by_year in self.rows.values())


def _figure(value: int | None) -> str:
    return "-" if not value else f"{value:,}"


def _number(canvas, value: int | None, right: float, y: float, split: bool) -> None:
    text = _figure(value)
    if split and len(text) > 4:
        # Excel's PDFs set the first digit apart: pdfplumber reads "2" and "9,289".
        canvas.drawRightString(right, y, text[1:])
        canvas.drawRightString(right - canvas.stringWidth(text[1:], "Helvetica", FONT) - 3.5, y, text[0])
    else:
        canvas.drawRightString(right, y, text)


def _title(canvas, summary: Summary, y: float) -> float:
    canvas.setFont("Helvetica-Bold", FONT)
    for line in summary.extra_lines:
        canvas.drawString(40, y, line)
        y -= 12
    if summary.cuadro is not None:
        canvas.drawString(40, y, f"Cuadro No. {summary.cuadro:03d}")
        y -= 10
    canvas.drawString(40, y, summary.title or TITLE.format(first=summary.years[0], last=summary.years[-1]))
    return y - 16


def _grid(summary: Summary) -> tuple[list[str], list[tuple[str, list[int | None]]]]:
    """Column headers and rows (label, values) the way round asked for, with the Total row and column.

    Years as columns: the Total row holds the yearly totals, the Total column each country's
    sum over the years (printed when `total_column`). Years as rows: the Total column holds
    the yearly totals (printed when `total_column`), the Total row each country's sum.
    """
    years, countries = summary.years, list(summary.rows)
    year_totals = [summary.total(y) for y in years]
    sums = [sum(summary.rows[c].values()) for c in countries]
    extra = ["Total"] if summary.total_column else []
    if summary.years_as == "columns":
        headers = [str(y) for y in years] + extra
        body = [(c, [summary.rows[c].get(y) for y in years] + ([s] if extra else []))
                for c, s in zip(countries, sums)]
        total = ("Total", year_totals + ([sum(year_totals)] if extra else []))
    else:
        headers = countries + extra
        body = [(str(y), [summary.rows[c].get(y) for c in countries] + ([t] if extra else []))
                for y, t in zip(years, year_totals)]
        total = ("Total", sums + ([sum(sums)] if extra else []))
    return headers, [total, *body] if summary.total_row_first else [*body, total]


def _chart(canvas, summary: Summary, y: float) -> None:
    """A bar chart of the yearly totals and a pie legend with percentages: text a parser must not take for rows."""
    canvas.setFont("Helvetica-Bold", FONT)
    canvas.drawString(40, y, f"Gráfico No. 1 TRÁNSITO IRREGULAR POR DARIÉN, {summary.years[0]}-{summary.years[-1]}")
    totals = [summary.total(year) for year in summary.years]
    top = max(totals)
    canvas.setFont("Helvetica", 6)
    for i, (year, value) in enumerate(zip(summary.years, totals)):
        x = 80 + i * 45
        height = 80 * value / top
        canvas.rect(x, y - 110, 20, height, fill=1)
        canvas.drawCentredString(x + 10, y - 110 + height + 3, f"{value:,}")
        canvas.drawCentredString(x + 10, y - 120, str(year))
    grand = sum(totals)
    legend_y = y - 140
    for label, by_year in list(summary.rows.items())[:4]:
        share = round(100 * sum(by_year.values()) / grand)
        canvas.drawString(80, legend_y, f"{label} {share}%")
        legend_y -= 9


def write_summary(summary: Summary, path: Path) -> Path:
    """Print `summary` as a one-page landscape PDF at `path`."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas as pdf

    headers, rows = _grid(summary)
    label_header = summary.label_header or ("País" if summary.years_as == "columns" else "Año")
    canvas = pdf.Canvas(str(path), pagesize=landscape(A4))
    y = _title(canvas, summary, 560)
    width = 52 if summary.years_as == "columns" else 60
    label_width = 120 if summary.years_as == "columns" else 40
    right = [40 + label_width + (i + 1) * width for i in range(len(headers))]
    canvas.setFont("Helvetica-Bold", FONT)
    canvas.drawString(40, y, label_header)
    for header, r in zip(headers, right):
        canvas.drawCentredString(r - width / 2 + 4, y, header)
    canvas.setFont("Helvetica", FONT)
    for label, values in rows:
        y -= 11
        canvas.drawString(40, y, label)
        for value, r in zip(values, right):
            _number(canvas, value, r - 2, y, summary.split_numbers)
    if summary.chart:
        _chart(canvas, summary, y - 30)
    canvas.showPage()
    canvas.save()
    return path
