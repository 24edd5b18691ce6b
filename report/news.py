"""A chart and a newspaper-style paragraph about a year, every number queried from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    import pandas as pd

REGION_NAMES = {
    "south_america": "South America", "caribbean": "the Caribbean", "asia": "Asia",
    "africa": "Africa", "europe": "Europe", "central_america": "Central America",
    "north_america": "North America", "eurasia": "Eurasia", "oceania": "Oceania",
    "other": "other regions",
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@dataclass
class YearFigures:
    """The numbers a report on one year states (all read from darien_transit)."""

    year: int
    months: int  # months reported
    total: int
    as_of: str
    preliminary: bool
    previous_same_months: int | None  # the previous year over the same months, if loaded
    regions: dict[str, int]
    countries: list[tuple[str, str, int]]  # (label, ISO3, persons), largest first


def _frame(engine: sa.Engine, sql: str, **params) -> pd.DataFrame:
    import pandas as pd  # here, not at the top: a run's latest_month needs no pandas

    with engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params=params)


def latest_year(engine: sa.Engine) -> int | None:
    """The newest year in the warehouse."""
    import pandas as pd

    years = _frame(engine, "select max(year) as year from darien_transit")
    return None if years.empty or pd.isna(years.year[0]) else int(years.year[0])


def year_figures(engine: sa.Engine, year: int, top: int = 5) -> YearFigures:
    """Totals, regions and top countries of `year`, with the previous year over the same months."""
    import pandas as pd

    rows = _frame(
        engine,
        "select month, breakdown, category, label, persons, as_of, preliminary "
        "from darien_transit where year = :year",
        year=year,
    )
    if rows.empty:
        raise LookupError(f"no figures for {year} in the warehouse")
    totals = rows[rows.breakdown == "total"]
    months = sorted(totals.month)
    previous = _frame(
        engine,
        "select month, persons from darien_transit where year = :year and breakdown = 'total'",
        year=year - 1,
    )
    same = previous[previous.month.isin(months)]
    regions = rows[rows.breakdown == "region"].groupby("category").persons.sum()
    countries = (
        rows[(rows.breakdown == "country") & (rows.category != "OTHER")]
        .groupby(["category"]).agg(persons=("persons", "sum"), label=("label", "first"))
        .sort_values("persons", ascending=False).head(top)
    )
    return YearFigures(
        year=year,
        months=len(months),
        total=int(totals.persons.sum()),
        as_of=str(pd.Timestamp(rows.as_of.iloc[0]).date()),
        preliminary=bool(rows.preliminary.iloc[0]),
        previous_same_months=int(same.persons.sum()) if len(same) == len(months) else None,
        regions={k: int(v) for k, v in regions.sort_values(ascending=False).items()},
        countries=[(r.label, code, int(r.persons)) for code, r in countries.iterrows()],
    )


def paragraph(f: YearFigures) -> str:
    """The figures as a short news paragraph in markdown."""
    period = (f"in {f.year}" if f.months == 12
              else f"from January to {MONTHS[f.months - 1]} {f.year} (figures to {f.as_of})")
    text = [f"**{f.total:,} people** crossed the Darién irregularly from Colombia into Panama {period}, "
            f"according to Panama's National Migration Service (SNM)"
            + (", in preliminary figures." if f.preliminary else ".")]
    if f.previous_same_months:
        change = (f.total - f.previous_same_months) / f.previous_same_months
        text.append(f"That is {abs(change):.0%} {'more' if change >= 0 else 'fewer'} than the "
                    f"{f.previous_same_months:,} of the same months of {f.year - 1}.")
    if f.regions:
        shares = ", ".join(f"{REGION_NAMES.get(k, k)} {v / f.total:.0%}" for k, v in list(f.regions.items())[:3])
        text.append(f"By region of origin: {shares}.")
    if f.countries:
        top = ", ".join(f"{label} ({persons:,})" for label, _, persons in f.countries)
        text.append(f"The most frequent nationalities were {top}.")
    return " ".join(text)


def chart(engine: sa.Engine, path: Path) -> Path:
    """Monthly transit by region as stacked bars over every loaded year, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _frame(engine, "select year, month, category, persons from darien_transit "
                          "where breakdown = 'region' order by year, month")
    wide = rows.pivot_table(index=["year", "month"], columns="category", values="persons",
                            aggfunc="sum", fill_value=0)
    wide = wide[wide.sum().sort_values(ascending=False).index]
    fig, ax = plt.subplots(figsize=(max(6, len(wide) * 0.25), 4.5))
    if not wide.empty:
        wide.rename(columns=REGION_NAMES).plot.bar(stacked=True, ax=ax, width=0.85)
        ax.set_xticklabels([f"{m:02d}/{y}" if m in (1, 7) else "" for y, m in wide.index], rotation=0)
    ax.set_title("Irregular transit through the Darién by region of origin (SNM)")
    ax.set_xlabel("")
    ax.set_ylabel("persons per month")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(engine: sa.Engine, out_dir: Path, year: int | None = None) -> tuple[Path, Path]:
    """Write `transit_by_region.png` and `summary_<year>.md` into out_dir."""
    year = year or latest_year(engine)
    if year is None:
        raise LookupError("the warehouse holds no figures yet: run `darien run` first")
    png = chart(engine, out_dir / "transit_by_region.png")
    md = out_dir / f"summary_{year}.md"
    md.write_text(f"# Darién crossings, {year}\n\n{paragraph(year_figures(engine, year))}\n\n"
                  f"![Monthly transit by region]({png.name})\n", encoding="utf-8")
    return png, md


def latest_month(engine: sa.Engine, top: int = 10) -> str:
    """The newest month's figures by region and its top countries, as markdown.

    Plain rows, not a DataFrame: every run, a quiet night included, shows this.
    """
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            select t.year, t.month, t.breakdown, t.category, t.label, t.persons, t.as_of, t.preliminary
            from darien_transit t
            join (select year, max(month) as month from darien_transit
                  where year = (select max(year) from darien_transit) group by year) m
              on t.year = m.year and t.month = m.month
            where t.breakdown in ('total', 'region', 'country')""")).all()
    if not rows:
        return "(no figures loaded yet)"
    year, month = int(rows[0].year), int(rows[0].month)
    total = int(sum(r.persons for r in rows if r.breakdown == "total"))
    lines = [f"**{MONTHS[month - 1]} {year}: {total:,} persons**"
             + (" (preliminary)" if bool(rows[0].preliminary) else ""), "",
             "| region | persons | share |", "|---|---:|---:|"]
    for r in _largest_first(r for r in rows if r.breakdown == "region"):
        lines.append(f"| {r.label} | {r.persons:,} | {r.persons / total:.1%} |")
    lines += ["", "| country | ISO3 | persons |", "|---|---|---:|"]
    countries = [r for r in rows if r.breakdown == "country" and r.category != "OTHER"]
    for r in _largest_first(countries)[:top]:
        lines.append(f"| {r.label} | {r.category} | {r.persons:,} |")
    return "\n".join(lines)


def _largest_first(rows) -> list:
    # Ties in the order of their category (pandas' sort left them in an order of its own).
    return sorted(rows, key=lambda r: (-r.persons, r.category))
