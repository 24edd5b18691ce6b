"""A chart and a newspaper-style paragraph about a year, every number queried from the warehouse."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from darien import contract
from report import drawing, series, sources
from report.markdown import table
from report.vocabulary import MONTHS, REGION_NAMES, note_meaning, region_colours, region_names

if TYPE_CHECKING:
    import pandas as pd

# Region rows of every month: SNM's own, else summed from nationality by dim_country's SNM region
# for a year without region rows (the re-publication's), as v_annual_series does for years.
MONTHLY_REGIONS = f"""
    select year, month, category, persons, false as derived from {contract.TABLE} where breakdown = 'region'
    union all
    select t.year, t.month, coalesce(d.snm_region, 'unassigned'), cast(sum(t.persons) as bigint), true
    from {contract.TABLE} t left join dim_country d on d.iso3 = t.category
    where t.breakdown = 'country' and not exists (
        select 1 from {contract.TABLE} r where r.year = t.year and r.breakdown = 'region')
    group by t.year, t.month, coalesce(d.snm_region, 'unassigned')"""


@dataclass
class YearFigures:
    """The numbers a report on one year states: the year's row of v_annual_series and what it counts."""

    year: int
    months: int | None  # months reported; None for annual figures
    total: int
    as_of: str
    preliminary: bool
    previous_same_months: int | None  # the previous year over the same months (a whole year: the year), if loaded
    regions: dict[str, int]
    countries: list[tuple[str, str, int]]  # (name, ISO3, persons), largest first
    basis: str = "months"  # v_annual_series: "annual" (annual figures) or "months" (the months summed)
    source_kind: str = "snm"  # contract.SOURCE_KINDS
    sources: list[str] = field(default_factory=list)  # URLs of the documents the year's figures come from
    regions_derived: bool = False  # regions summed from nationality (the source gives none)

    @property
    def whole(self) -> bool:
        return self.basis == "annual" or self.months == 12


def _frame(engine: sa.Engine, sql: str, **params) -> pd.DataFrame:
    import pandas as pd  # here, not at the top: a run's latest_month needs no pandas

    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def latest_year(engine: sa.Engine) -> int | None:
    """The newest year in the warehouse (monthly or annual figures)."""
    import pandas as pd

    years = _frame(engine, "select max(year) as year from v_annual_series")
    return None if years.empty or pd.isna(years.year[0]) else int(years.year[0])


def year_figures(engine: sa.Engine, year: int, top: int = 5) -> YearFigures:
    """Total, regions and top countries of `year` from v_annual_series, with its source and the previous year."""
    import pandas as pd

    rows = _frame(engine, """
        select s.breakdown, s.category, s.persons, s.basis, s.months, s.source_kind, s.preliminary,
               s.derived, d.name_en
        from v_annual_series s left join dim_country d on s.breakdown = 'country' and d.iso3 = s.category
        where s.year = :year and s.breakdown in ('total', 'region', 'country')""", year=year)
    totals = rows[rows.breakdown == "total"]
    if totals.empty:
        raise LookupError(f"no figures for {year} in the warehouse")
    head = totals.iloc[0]
    basis, kind = str(head.basis), str(head.source_kind)
    table = contract.ANNUAL_TABLE if basis == "annual" else contract.TABLE
    documents = _frame(engine, f"select source_url, max(as_of) as as_of from {table} where year = :year"
                               " and source_kind = :kind and breakdown in ('total', 'region', 'country')"
                               " group by source_url",
                       year=year, kind=kind)
    months = None if basis == "annual" else int(head.months)
    regions = rows[rows.breakdown == "region"].sort_values(["persons", "category"], ascending=[False, True])
    countries = rows[(rows.breakdown == "country") & (rows.category != contract.OTHER_COUNTRIES)]
    countries = countries.sort_values(["persons", "category"], ascending=[False, True]).head(top)
    return YearFigures(
        year=year,
        months=months,
        total=int(head.persons),
        as_of=str(pd.Timestamp(documents.as_of.max()).date()),
        preliminary=bool(head.preliminary),
        previous_same_months=_previous(engine, year, months),
        regions={r.category: int(r.persons) for r in regions.itertuples()},
        countries=[(r.name_en if isinstance(r.name_en, str) else r.category, r.category, int(r.persons))
                   for r in countries.itertuples()],
        basis=basis,
        source_kind=kind,
        sources=sorted(documents.source_url),
        regions_derived=bool(regions.derived.any()),
    )


def _previous(engine: sa.Engine, year: int, months: int | None) -> int | None:
    """The previous year's total over the same months: the whole year for a whole year, else from darien_transit's months."""
    if months is None or months == 12:
        whole = _frame(engine, "select persons from v_annual_series where year = :year and breakdown = 'total'"
                               " and (basis = 'annual' or months = 12)", year=year - 1)
        return None if whole.empty else int(whole.persons.iloc[0])
    same = _frame(engine, f"select month, persons from {contract.TABLE} where year = :year"
                          " and breakdown = 'total' and month <= :months", year=year - 1, months=months)
    return int(same.persons.sum()) if len(same) == months else None


def paragraph(f: YearFigures) -> str:
    """The figures as a short news paragraph in markdown, naming their publisher."""
    who = sources.publisher(f.source_kind)
    if f.basis == "annual":
        text = [f"**{f.total:,} people** crossed the Darién irregularly from Colombia into Panama in {f.year} "
                f"(annual figures, source: {who})" + (", in preliminary figures." if f.preliminary else ".")]
    else:
        period = (f"in {f.year}" if f.months == 12
                  else f"from January to {MONTHS[f.months - 1]} {f.year} (figures to {f.as_of})")
        text = [f"**{f.total:,} people** crossed the Darién irregularly from Colombia into Panama {period}, "
                f"according to {who}" + (", in preliminary figures." if f.preliminary else ".")]
    if f.previous_same_months:
        change = (f.total - f.previous_same_months) / f.previous_same_months
        than = f"{f.year - 1}" if f.whole else f"the same months of {f.year - 1}"
        text.append(f"That is {abs(change):.0%} {'more' if change >= 0 else 'fewer'} than the "
                    f"{f.previous_same_months:,} of {than}.")
    if f.regions:
        shares = ", ".join(f"{REGION_NAMES.get(k, k)} {v / f.total:.1%}" for k, v in list(f.regions.items())[:3])
        how = " (derived from nationality)" if f.regions_derived else ""
        text.append(f"By region of origin{how}: {shares}.")
    if f.countries:
        top = ", ".join(f"{name} ({persons:,})" for name, _, persons in f.countries)
        text.append(f"The most frequent nationalities were {top}.")
    return " ".join(text)


def source_line(f: YearFigures) -> str:
    """Where the year's figures come from, with the documents' names and URLs."""
    what = "annual figures" if f.basis == "annual" else (
        "12 months" if f.months == 12 else f"{f.months} months, January to {MONTHS[f.months - 1]}")
    line = f"Source: {sources.documents(f.source_kind, f.sources)} ({what}"
    line += ", preliminary)" if f.preliminary else ")"
    if f.regions_derived:
        line += (". Regions summed from nationality by the region SNM counts each country under "
                 "(`dim_country`); a nationality without one (Otros Países) is not assigned to a region")
    return line + "."


def monthly_by_region(engine: sa.Engine) -> tuple[pd.DataFrame, str]:
    """Persons by region (columns, largest first) of every month from the first loaded to the last,
    a month without figures all zeros, and the caption naming the sources and the months without figures."""
    rows = _frame(engine, MONTHLY_REGIONS)
    totals = _frame(engine, f"select year, month, source_kind from {contract.TABLE} "
                            "where breakdown = 'total' order by year, month")
    wide = rows.pivot_table(index=["year", "month"], columns="category", values="persons",
                            aggfunc="sum", fill_value=0)
    reported = list(zip(totals.year, totals.month))
    # Every month from the first to the last keeps its place: a reported 0 (the re-publication's
    # 2020-04) and a month without figures (after a partial year's last) show as gaps.
    months = [(y, m) for y in range(reported[0][0], reported[-1][0] + 1) for m in range(1, 13)
              if reported[0] <= (y, m) <= reported[-1]] if reported else []
    wide = wide.reindex(months, fill_value=0)
    wide = wide[sorted(wide.columns, key=lambda c: (-wide[c].sum(), c))]
    years = totals.drop_duplicates(["year", "source_kind"])
    caption = sources.caption({k: g.year for k, g in years.groupby("source_kind")})
    if rows.derived.any():
        caption += " Regions summed from nationality where a year has no region table."
    missing = [f"{m:02d}/{y}" for y, m in sorted(set(months) - set(reported))]
    if missing:
        caption += f" No figures for {', '.join(missing)}."
    return wide, caption


def figure(engine: sa.Engine):
    """Monthly transit by region as stacked bars over every loaded month, the legend beside them, the sources
    in the caption: a matplotlib Figure, for `chart` to save and for tests to measure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide, note = monthly_by_region(engine)
    fig, ax = plt.subplots(figsize=(max(6, len(wide) * 0.25) + drawing.LEGEND_WIDTH, 4.8))
    if not wide.empty:
        colours, names = region_colours(), region_names(engine)
        wide.rename(columns=names).plot.bar(stacked=True, ax=ax, width=0.85,
                                            color=[colours.get(c) for c in wide.columns])
        ax.set_xticklabels([f"{m:02d}/{y}" if m in (1, 7) else "" for y, m in wide.index], rotation=0)
        drawing.legend_beside(ax)
        ax.set_ylim(top=ax.get_ylim()[1] * 1.04)
    ax.set_title("Irregular transit through the Darién by region of origin")
    ax.set_xlabel("")
    ax.set_ylabel("persons per month")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    fig.tight_layout(rect=(0, drawing.caption(fig, note, 8), 1, 1))
    return fig


def chart(engine: sa.Engine, path: Path) -> Path:
    """Monthly transit by region as stacked bars over every loaded month, as a PNG, its sources in the caption."""
    import matplotlib.pyplot as plt

    fig = figure(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(engine: sa.Engine, out_dir: Path, year: int | None = None) -> tuple[Path, Path]:
    """Write `summary_<year>.md` and its chart into out_dir: `transit_by_region.png` (monthly by
    region) for a year of months, `series.png` (the years since 2010) for a year of annual figures."""
    year = year or latest_year(engine)
    if year is None:
        raise LookupError("the warehouse holds no figures yet: run `darien run` first")
    figures = year_figures(engine, year)
    if figures.basis == "annual":
        png, alt = series.chart(engine, out_dir / "series.png"), "Annual transit by region since the first year"
    else:
        png, alt = chart(engine, out_dir / "transit_by_region.png"), "Monthly transit by region"
    md = out_dir / f"summary_{year}.md"
    md.write_text(f"# Darién crossings, {year}\n\n{paragraph(figures)}\n\n{source_line(figures)}\n\n"
                  f"![{alt}]({png.name})\n", encoding="utf-8")
    return png, md


def latest_month(engine: sa.Engine, top: int = 10) -> str:
    """The newest month's figures by region and its top countries, as markdown that fits the UI, naming their source.

    In English, as the chart: the warehouse's `name_en` (dim_region, dim_country), SNM's own region
    name beside it, and a footnote's meaning in place of its mark (`Chile (1)`). Plain rows, not a
    DataFrame: every run, a quiet night included, shows this.
    """
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"""
            select t.year, t.month, t.breakdown, t.category, t.label, t.note, t.persons, t.as_of, t.preliminary,
                   t.source_kind, t.source_url, coalesce(d.name_en, g.name_en) as name_en
            from {contract.TABLE} t
            left join dim_country d on t.breakdown = 'country' and d.iso3 = t.category
            left join dim_region g on t.breakdown = 'region' and g.category = t.category
            join (select year, max(month) as month from {contract.TABLE}
                  where year = (select max(year) from {contract.TABLE}) group by year) m
              on t.year = m.year and t.month = m.month
            where t.breakdown in ('total', 'region', 'country')""")).all()
        if not rows:
            return "(no figures loaded yet)"
        year, month = int(rows[0].year), int(rows[0].month)
        regions = [r for r in rows if r.breakdown == "region"]
        derived = not regions
        if derived:  # the source gives nationalities only: sum them by dim_country's SNM region
            regions = conn.execute(sa.text(f"""
                select coalesce(d.snm_region, 'unassigned') as category, max(g.label_es) as label,
                       max(g.name_en) as name_en, cast(null as varchar) as note,
                       cast(sum(t.persons) as bigint) as persons
                from {contract.TABLE} t left join dim_country d on d.iso3 = t.category
                left join dim_region g on g.category = d.snm_region
                where t.year = :year and t.month = :month and t.breakdown = 'country'
                group by coalesce(d.snm_region, 'unassigned')"""), {"year": year, "month": month}).all()
    total = int(sum(r.persons for r in rows if r.breakdown == "total"))
    kinds = {r.source_kind for r in rows}
    countries = [r for r in rows if r.breakdown == "country" and r.category != contract.OTHER_COUNTRIES]
    return "\n".join([
        f"**{MONTHS[month - 1]} {year}: {total:,} persons**" + (" (preliminary)" if bool(rows[0].preliminary) else ""),
        "",
        "Source: " + "; ".join(sources.documents(k, {r.source_url for r in rows if r.source_kind == k})
                               for k in sorted(kinds)) + ".",
        "",
        _with_notes(["region (derived from nationality)" if derived else "region", "SNM's name", "persons", "share"],
                    [(r, [_english(r), r.label or "", f"{r.persons:,}",
                          f"{r.persons / total:.1%}" if total else ""]) for r in _largest_first(regions)],
                    ["left", "left", "right", "right"]),
        "",
        _with_notes(["country", "ISO3", "persons"],
                    [(r, [_english(r), r.category, f"{r.persons:,}"]) for r in _largest_first(countries)[:top]],
                    ["left", "left", "right"]),
    ])


def _english(row) -> str:
    """A region's or country's English name: the warehouse's name_en, else the label without its footnote mark."""
    if row.name_en:
        return row.name_en
    return REGION_NAMES.get(row.category) or re.sub(r"\s*\(\d+\)\s*$", "", row.label or row.category)


def _with_notes(headers: list[str], rows: list[tuple], align: list[str]) -> str:
    """A table of `rows` ((warehouse row, cells)); with a note column saying what SNM's footnotes mean when a row has
    one, and each footnote in full below the table, naming its rows."""
    noted = [(row, cells) for row, cells in rows if row.note]
    if not noted:
        return table(headers, [cells for _, cells in rows], align)
    body = [[*cells, note_meaning(row.note)[0] if row.note else ""] for row, cells in rows]
    by_note: dict[str, list[str]] = {}
    for row, cells in noted:
        by_note.setdefault(row.note, []).append(cells[0])
    below = [f"- {', '.join(names)}: {note_meaning(note)[1]}" for note, names in by_note.items()]
    return table([*headers, "note"], body, [*align, "left"]) + "\n\n" + "\n".join(below)


def _largest_first(rows) -> list:
    # Ties in the order of their category (pandas' sort left them in an order of its own).
    return sorted(rows, key=lambda r: (-r.persons, r.category))
