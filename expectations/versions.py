"""A new version of a URL against the version loaded from it: it must not erase or rewrite final figures.

Pure functions on pandas frames: no GX, no database. The flow reads the loaded version's
per-year totals from the warehouse, by the definition `year_totals` documents, and passes
them to expectations.validate as `previous`.
"""

from __future__ import annotations

import pandas as pd

from darien.contract import Batch

YEAR_TOTALS_COLUMNS = {"year": "int64", "persons": "int64", "preliminary": "bool", "months": "int64"}
# A year whose rows hold no `total` breakdown (the re-publication's file by sex) is summed over these.
SEX_BREAKDOWNS = ("sex", "sex_age")


def year_totals(batch: Batch) -> pd.DataFrame:
    """One row per year a batch gives: the figures a later version of its URL must keep.

    Columns (YEAR_TOTALS_COLUMNS), sorted by year:
      year         the year.
      persons      the sum of the year's monthly rows of breakdown `total` (one per reported
                   month); for a year without them, the sum of its monthly `sex` and `sex_age`
                   rows (irreg_darien_dmg holds only these); for a year with no monthly rows of
                   these breakdowns, its annual row of breakdown `total` (darien_transit_annual).
      preliminary  whether any of the rows summed is preliminary.
      months       how many distinct months those rows cover (a reported month of 0 persons
                   counts); 0 for an annual figure.
    A year none of these rows gives is not listed. The warehouse's equivalent: the rows the
    loaded version (its source_url and source_sha256) put in darien_transit and
    darien_transit_annual, taken the same way.
    """
    rows = batch.rows
    monthly = _per_year(rows[rows["breakdown"] == "total"])
    by_sex = _per_year(rows[rows["breakdown"].isin(SEX_BREAKDOWNS) & ~rows["year"].isin(monthly["year"])])
    parts = [monthly, by_sex]
    if batch.annual is not None:
        annual = batch.annual
        given = set(monthly["year"]) | set(by_sex["year"])
        parts.append(annual[(annual["breakdown"] == "total") & ~annual["year"].isin(given)].assign(months=0))
    parts = [part[list(YEAR_TOTALS_COLUMNS)] for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in YEAR_TOTALS_COLUMNS.items()})
    return pd.concat(parts, ignore_index=True).astype(YEAR_TOTALS_COLUMNS).sort_values("year", ignore_index=True)


def _per_year(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.groupby("year", as_index=False).agg(
        persons=("persons", "sum"), preliminary=("preliminary", "any"), months=("month", "nunique"))


def continuity(batch: Batch, previous: pd.DataFrame | None) -> list[str]:
    """One line per way `batch` would erase what the loaded version of its URL gave; [] when it keeps all of it.

    `previous` is that version's year_totals (the same columns, read from the warehouse).
    A year it gave that the batch lacks fails; so does a final year (not preliminary in
    `previous`) whose total changed, and a year now given in fewer months than before. A
    preliminary year may change: later files revise earlier months.
    """
    if previous is None or previous.empty:
        return []
    now = year_totals(batch).set_index("year")
    lacking = [int(y) for y in sorted(previous["year"]) if y not in now.index]
    reasons = []
    if lacking:
        reasons.append(f"this version lacks {', '.join(map(str, lacking))}, which the loaded version gave")
    for old in previous.sort_values("year").itertuples():
        if old.year not in now.index:
            continue
        new = now.loc[old.year]
        if not old.preliminary and int(new.persons) != int(old.persons):
            reasons.append(f"{old.year} total changed from {int(old.persons):,} to {int(new.persons):,}")
        if int(new.months) < int(old.months):
            given = "only an annual figure" if not new.months else f"{int(new.months)} month(s)"
            reasons.append(f"{old.year} has {given}, the loaded version gave {int(old.months)} month(s)")
    return reasons
