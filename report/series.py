"""The long run: annual totals by region from the first year to the newest, from v_annual_series, as a chart and a table.

Each year's figures come from one source (SNM's own files before the re-publication), and
within it twelve reported months, else annual figures, else the months reported so far
(`basis`, `months`). A partial year is marked wherever it is shown. Plain rows, no pandas:
the run's artifact shows this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from darien import contract
from darien.contract import published_name, shown_url
from report import drawing, sources
from report.markdown import table
from report.vocabulary import MONTHS, region_colours, region_names

FIGURES = f"""
    select s.year, s.breakdown, s.category, s.persons, s.basis, s.months, s.source_kind, s.preliminary, s.derived
    from v_annual_series s where s.breakdown in ('total', 'region')"""
# The documents a year's total comes from, for the basis and kind v_annual_series chose.
SHORT_SHA = 6  # hex digits of a document's sha256 in the table; the list below it gives 12
DOCUMENTS = f"""
    select distinct year, 'months' as basis, source_kind, source_url, source_sha256
    from {contract.TABLE} where breakdown = 'total'
    union
    select distinct year, 'annual', source_kind, source_url, source_sha256
    from {contract.ANNUAL_TABLE} where breakdown = 'total'"""


@dataclass
class SeriesYear:
    """One year of the series: its total, how it was counted, its source, and its regions."""

    year: int
    total: int
    basis: str  # "annual" or "months"
    months: int | None  # reported months; None for annual figures
    source_kind: str
    preliminary: bool
    sources: list[str] = field(default_factory=list)  # URLs of the documents
    versions: list[tuple[str, str]] = field(default_factory=list)  # (URL, sha256) of each document version
    regions: dict[str, int] = field(default_factory=dict)
    regions_derived: bool = False

    @property
    def partial(self) -> bool:
        return self.basis == "months" and (self.months or 0) < 12

    @property
    def mark(self) -> str:
        """What a reader must know beside the number: 'Jan–Aug, preliminary', 'preliminary' or ''."""
        parts = [f"Jan–{MONTHS[self.months - 1][:3]}" if self.partial else "",
                 "preliminary" if self.preliminary else ""]
        return ", ".join(p for p in parts if p)


def years(engine: sa.Engine) -> list[SeriesYear]:
    """Every year of v_annual_series, oldest first, with its documents."""
    with engine.connect() as conn:
        figures = conn.execute(sa.text(FIGURES)).all()
        documents = conn.execute(sa.text(DOCUMENTS)).all()
    by_year: dict[int, SeriesYear] = {}
    for r in sorted(figures, key=lambda r: r.breakdown != "total"):  # totals first
        if r.breakdown == "total":
            by_year[r.year] = SeriesYear(int(r.year), int(r.persons), r.basis,
                                         None if r.months is None else int(r.months), r.source_kind,
                                         bool(r.preliminary))
        elif r.year in by_year:
            by_year[r.year].regions[r.category] = int(r.persons)
            by_year[r.year].regions_derived |= bool(r.derived)
    for year, basis, kind, url, sha256 in sorted(documents):
        entry = by_year.get(year)
        if entry is not None and (entry.basis, entry.source_kind) == (basis, kind):
            entry.versions.append((url, sha256))
            if url not in entry.sources:
                entry.sources.append(url)
    return [by_year[y] for y in sorted(by_year)]


def markdown(engine: sa.Engine, series: list[SeriesYear] | None = None) -> str:
    """The series as a markdown table that fits the UI (year, total, figures, preliminary, source, sha256),
    and each document whole below it, with its years and URL."""
    series = years(engine) if series is None else series
    if not series:
        return "(no figures loaded yet)"
    rows = [[y.year, f"{y.total:,}", _figures(y), "yes" if y.preliminary else "no",
             sources.short(y.source_kind, y.sources), y.versions[0][1][:SHORT_SHA] if y.versions else ""]
            for y in series]
    documents: dict[tuple[str, str], list[int]] = {}
    for y in series:
        for version in y.versions:
            documents.setdefault(version, []).append(y.year)
    lines = [f"Annual transit through the Darién, {series[0].year}–{series[-1].year}: each year from one "
             "source, SNM's own files before IOM's re-publication of SNM's series (gdidata); within it "
             "twelve reported months, else the annual figure, else the months reported so far "
             "(figures: annual, 12 months, or the months of a partial year).", "",
             table(["year", "total", "figures", "prelim.", "source", "sha256"], rows,
                   ["right", "right", "left", "left", "left", "left"]), "",
             *(f"- `{published_name(url) or shown_url(url)}` {sha[:12]} ({sources.spans(found)}): {shown_url(url)}"
               for (url, sha), found in documents.items())]
    derived = [y.year for y in series if y.regions_derived]
    if derived:
        lines += ["", f"Regions for {sources.spans(derived)} are summed from nationality by the region SNM "
                      "counts each country under (`dim_country`); Otros Países is not assigned to a region."]
    return "\n".join(lines)


def _figures(y: SeriesYear) -> str:
    """How the year was counted, in a cell: 'annual', '12 months' or the months of a partial year ('Jan–Aug')."""
    if y.basis == "annual":
        return "annual"
    return f"Jan–{MONTHS[y.months - 1][:3]}" if y.partial else f"{y.months} months"


def figure(engine: sa.Engine, series: list[SeriesYear] | None = None):
    """Annual totals by region as stacked bars, partial years hatched and labelled, the legend beside the bars,
    the sources in the caption: a matplotlib Figure, for `chart` to save and for tests to measure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    series = years(engine) if series is None else series
    fig, ax = plt.subplots(figsize=(max(7, 0.62 * len(series) + 2) + drawing.LEGEND_WIDTH, 5.2))
    colours, names = region_colours(), region_names(engine)
    present = {r for y in series for r in y.regions}
    order = sorted(present, key=lambda r: (r == "unassigned", -sum(y.regions.get(r, 0) for y in series), r))
    positions = list(range(len(series)))
    bottoms = [0] * len(series)
    for region in order:
        heights = [y.regions.get(region, 0) for y in series]
        ax.bar(positions, heights, bottom=bottoms, width=0.8, color=colours.get(region),
               label=names.get(region, region),
               hatch=["//" if y.partial else "" for y in series], edgecolor="white", linewidth=0.4)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    for x, y in zip(positions, series):
        if not y.regions:  # a year without region rows: its total alone
            ax.bar(x, y.total, width=0.8, color="0.6", hatch="//" if y.partial else "")
        label = f"{y.total:,}" + (f"\n{y.mark}" if y.mark else "")
        ax.annotate(label, (x, y.total), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=7, fontweight="bold" if y.partial else "normal")
    ax.set_xticks(positions, [str(y.year) for y in series], fontsize=8)
    ax.set_ylabel("persons per year")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(0, max([y.total for y in series] + [1]) * 1.15)
    first, last = (series[0].year, series[-1].year) if series else ("", "")
    ax.set_title(f"Irregular transit through the Darién by region of origin, {first}–{last}")
    handles, _ = ax.get_legend_handles_labels()
    if any(y.partial for y in series):
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="//", label="partial year (months so far)"))
    drawing.legend_beside(ax, handles)
    ax.spines[["top", "right"]].set_visible(False)
    kinds: dict[str, list[int]] = {}
    for y in series:
        kinds.setdefault(y.source_kind, []).append(y.year)
    note = sources.caption(kinds)
    derived = [y.year for y in series if y.regions_derived]
    if derived:
        note += (f" Regions for {sources.spans(derived)} summed from nationality by SNM's region of each country;"
                 " Otros Países not assigned to a region.")
    fig.tight_layout(rect=(0, drawing.caption(fig, note, 7.5), 1, 1))
    return fig


def chart(engine: sa.Engine, path: Path, series: list[SeriesYear] | None = None) -> Path:
    """Annual totals by region as stacked bars, partial years hatched and labelled, the sources in the caption; a PNG."""
    import matplotlib.pyplot as plt

    fig = figure(engine, series)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(engine: sa.Engine, out_dir: Path) -> tuple[Path, Path]:
    """Write `series.png` and `series.md` (the table, the chart's link) into out_dir."""
    series = years(engine)
    if not series:
        raise LookupError("the warehouse holds no figures yet: run `darien run` first")
    png = chart(engine, out_dir / "series.png", series)
    md = out_dir / "series.md"
    md.write_text(f"# Darién crossings since {series[0].year}\n\n{markdown(engine, series)}\n\n"
                  f"![Annual transit by region]({png.name})\n", encoding="utf-8")
    return png, md
