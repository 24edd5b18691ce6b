"""The re-publication's R data files (IOM GDI's `gdidata`) as contract rows: monthly rows, and annual rows for the years before the monthly series.

Each file holds one data frame: `irreg_darien_nat` (columns `t`, `nat`, `n`) or
`irreg_darien_dmg` (`t`, `demog`, `n`), `t` a month as days since 1970-01-01. The file
leaves zeros out: a month inside the covered range without any row is a reported 0, and a
nationality without a row in a month is 0, not missing (so no per-nationality zeros are
written). pyreadr is imported inside the reader: only the parser worker needs it.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from darien import contract
from darien.contract import OTHER_COUNTRIES
from darien.countries import country_codes
from transform.annual import ANNUAL_READ_COLUMNS
from transform.errors import LayoutError, NotDarien, ParseError, UnreadableError, document_name
from transform.lineage import with_lineage

if TYPE_CHECKING:
    import pandas as pd

NAT = "irreg_darien_nat"
DMG = "irreg_darien_dmg"
CODE_COLUMNS = {NAT: "nat", DMG: "demog"}
OTHERS = "OOO"  # gdidata's "other nationalities", SNM's Otros Países
SEX = {"men": "male", "women": "female"}  # 2021-22: all ages
SEX_AGE = {"men": "male_adult", "women": "female_adult", "boys": "male_minor", "girls": "female_minor"}
TOTAL_LABEL = "Total"  # the file prints no total: these rows are the sum of the month's rows


class CountError(ParseError):
    """A count is NA, negative or not a whole number: bad figures in a readable file, quarantined."""

    quarantine = True


class UnknownCodeError(ParseError):
    """A nationality or sex code outside the known set (ISO 3166-1 alpha-3, XKX, TIB, OOO; men, women, boys, girls): quarantined."""

    quarantine = True


class TotalsMismatch(ParseError):
    """The monthly totals by sex differ from the monthly totals by nationality."""


@dataclass
class RData:
    """One R data file, read: monthly contract rows, annual rows, and its newest year's cut-off."""

    rows: pd.DataFrame  # contract.COLUMNS (load_id and loaded_at empty)
    annual: pd.DataFrame  # contract.ANNUAL_COLUMNS (load_id and loaded_at empty)
    objects: tuple[str, ...]  # the Darién objects the file held (NAT, DMG)
    year: int  # the newest year: the ledger's year
    as_of: date  # the newest year's cut-off
    preliminary: bool  # whether the newest year is incomplete


def read_rdata(path: Path, *, source_url: str | None = None, sha256: str | None = None) -> RData:
    """The rows of an R data file holding `irreg_darien_nat` and/or `irreg_darien_dmg`; NotDarien when it holds neither."""
    import pandas as pd
    import pyreadr

    path = Path(path)
    name = document_name(path, source_url)
    try:
        sha256 = sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
        objects = pyreadr.read_r(str(path))
    except MemoryError:
        raise
    except Exception as err:  # pyreadr's LibrdataError and PyreadrError, OSError
        raise UnreadableError(name, f"not readable R data ({err or type(err).__name__})") from None
    found = tuple(obj for obj in (NAT, DMG) if obj in objects)
    if not found:
        held = ", ".join(objects) or "no object"
        raise NotDarien(name, f"R data without {NAT} or {DMG} (it holds {held}): "
                              "not the Darién re-publication")
    monthly, annual = {}, {}
    for obj in found:
        monthly[obj], annual[obj] = object_rows(objects[obj], obj, name)
    if len(found) == 2:
        check_sex_totals(monthly[NAT], monthly[DMG], name=name)
    lineage = {"source_url": source_url or path.resolve().as_uri(), "sha256": sha256,
               "source_kind": "republication"}
    rows = with_lineage(pd.concat(monthly.values(), ignore_index=True), contract.COLUMNS, **lineage)
    annual_rows = with_lineage(pd.concat(annual.values(), ignore_index=True), contract.ANNUAL_COLUMNS, **lineage)
    newest = pd.concat([rows[["year", "as_of", "preliminary"]], annual_rows[["year", "as_of", "preliminary"]]])
    newest = newest.sort_values(["year", "as_of"]).iloc[-1]
    return RData(rows=rows, annual=annual_rows, objects=found, year=int(newest.year),
                 as_of=newest.as_of.date(), preliminary=bool(newest.preliminary))


def object_rows(frame: pd.DataFrame, obj: str, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One gdidata data frame as monthly rows (contract columns without lineage) and annual rows."""
    tidy = _tidy(frame, obj, name)
    by_year = tidy.groupby("year").month.nunique()
    several = by_year[by_year > 1].index
    # Annual years are those before the first year with rows in more than one month (not a
    # fixed 2020: a version ending in January would make its newest year look annual).
    first_monthly = int(several.min()) if len(several) else int(by_year.index.max()) + 1
    is_annual = tidy.year < first_monthly
    early = tidy[is_annual & (tidy.month != 1)]
    if len(early):
        raise LayoutError(name, f"{obj}: {_when(early.iloc[0])} is neither an annual row (dated 1 January, "
                                f"before {first_monthly}) nor in a year of monthly rows")
    newest = int(tidy.year.max())
    last_month = {int(y): 12 for y in by_year.index}
    if newest >= first_monthly:
        last_month[newest] = int(tidy.month[tidy.year == newest].max())
    monthly = _monthly(tidy[~is_annual], obj, last_month)
    annual = _annual(tidy[is_annual], obj)
    for rows in (monthly, annual):
        ends = rows.year.map(last_month)
        rows["as_of"] = [month_end(y, m) for y, m in zip(rows.year, ends)]
        rows["preliminary"] = (rows.year == newest) & (ends < 12)
    return monthly, annual.astype(ANNUAL_READ_COLUMNS)


def check_sex_totals(nat_rows: pd.DataFrame, dmg_rows: pd.DataFrame, *, name: str) -> None:
    """Raise TotalsMismatch when, in a month both give, the sex rows do not add up to the nationality file's total."""
    nat_total = nat_rows[nat_rows.breakdown == "total"].set_index(["year", "month"]).persons
    by_sex = dmg_rows[dmg_rows.breakdown.isin(["sex", "sex_age"])].groupby(["year", "month"]).persons.sum()
    common = by_sex.index.intersection(nat_total.index)
    differ = [(ym, int(by_sex[ym]), int(nat_total[ym])) for ym in common if by_sex[ym] != nat_total[ym]]
    if differ:
        shown = ", ".join(f"{y}-{m:02d} {s:,} vs {t:,}" for (y, m), s, t in differ[:3])
        raise TotalsMismatch(name, f"{DMG}'s monthly totals differ from {NAT}'s in {len(differ)} "
                                   f"month(s): {shown}")


@cache
def nationality_codes() -> frozenset[str]:
    """The nationality codes gdidata may use: the contract's countries (ISO 3166-1 alpha-3, XKX, TIB) and OOO."""
    return frozenset(country_codes()) - {OTHER_COUNTRIES} | {OTHERS}


def month_end(year: int, month: int):
    """The last day of a month, as a pandas Timestamp."""
    import pandas as pd

    return pd.Timestamp(year, month, calendar.monthrange(year, month)[1])


def _when(row) -> str:
    return f"{int(row.year)}-{int(row.month):02d} {row.code}"


def _tidy(frame: pd.DataFrame, obj: str, name: str) -> pd.DataFrame:
    """year, month, code, persons of a gdidata frame, after the checks every row must pass."""
    import pandas as pd

    code_column = CODE_COLUMNS[obj]
    missing = [c for c in ("t", code_column, "n") if c not in frame.columns]
    if missing:
        raise LayoutError(name, f"{obj} has no column {', '.join(missing)} (it has {', '.join(frame.columns)})")
    if frame.empty:
        raise LayoutError(name, f"{obj} has no rows")
    if frame["t"].isna().any():
        raise LayoutError(name, f"{obj}: {int(frame['t'].isna().sum())} row(s) without a month (t is NA)")
    t = frame["t"]
    if not pd.api.types.is_datetime64_any_dtype(t):
        t = pd.to_datetime(t, unit="D")  # R's Date: days since 1970-01-01
    tidy = pd.DataFrame({"year": t.dt.year.astype("int64"), "month": t.dt.month.astype("int64"),
                         "code": frame[code_column].astype("string"), "n": frame["n"].astype("float64")})
    if (t.dt.day != 1).any() or (t.dt.normalize() != t).any():
        raise LayoutError(name, f"{obj}: a month (t) that is not the first day of a month, "
                                f"e.g. {t[(t.dt.day != 1) | (t.dt.normalize() != t)].iloc[0]}")
    _check_codes(tidy, obj, name)
    _check_counts(tidy, obj, name)
    doubled = tidy[tidy.duplicated(["year", "month", "code"])]
    if len(doubled):
        raise LayoutError(name, f"{obj}: {len(doubled)} repeated row(s), e.g. {_when(doubled.iloc[0])}")
    return tidy.assign(persons=tidy.n.astype("int64")).drop(columns="n")


def _check_codes(tidy: pd.DataFrame, obj: str, name: str) -> None:
    known = nationality_codes() if obj == NAT else frozenset(SEX_AGE)
    unknown = tidy[tidy.code.isna() | ~tidy.code.isin(list(known))]
    if len(unknown):
        codes = sorted({repr(c) if isinstance(c, str) else "NA" for c in unknown.code})
        what = "nationality" if obj == NAT else "sex"
        raise UnknownCodeError(name, f"{obj}: unknown {what} code(s) {', '.join(codes[:5])}"
                                     f"{' …' if len(codes) > 5 else ''} in {len(unknown)} row(s), "
                                     f"first {_when(unknown.iloc[0])}")


def _check_counts(tidy: pd.DataFrame, obj: str, name: str) -> None:
    for what, bad in (("NA", tidy.n.isna()), ("negative", tidy.n < 0),
                      ("non-whole", tidy.n.notna() & (tidy.n % 1 != 0))):
        if bad.any():
            first = tidy[bad].iloc[0]
            raise CountError(name, f"{obj}: {int(bad.sum())} {what} count(s) (n), first {_when(first)}"
                                   + ("" if what == "NA" else f" = {first.n:g}"))


def _categories(tidy: pd.DataFrame, obj: str) -> pd.DataFrame:
    """breakdown and category of each row: country codes for nat; sex or sex_age by year for dmg."""
    if obj == NAT:
        category = tidy.code.where(tidy.code != OTHERS, contract.OTHER_COUNTRIES)
        return tidy.assign(breakdown="country", category=category)
    # Adults and minors are apart from the first year that counts boys or girls (2023).
    with_minors = set(tidy.year[tidy.code.isin(["boys", "girls"])])
    apart = tidy.year.isin(with_minors)
    category = tidy.code.map(SEX).where(~apart, tidy.code.map(SEX_AGE))
    return tidy.assign(breakdown=apart.map({True: "sex_age", False: "sex"}), category=category)


def _monthly(tidy: pd.DataFrame, obj: str, last_month: dict[int, int]) -> pd.DataFrame:
    import pandas as pd

    rows = _categories(tidy, obj).assign(label=tidy.code)
    if obj == NAT:
        # Every month of a year with monthly rows has a total, 0 when the file has no row
        # for it (2020-04, -05, -07: the border was closed); a year without rows gets none.
        months = pd.MultiIndex.from_tuples(
            [(y, m) for y in sorted(set(tidy.year)) for m in range(1, last_month[y] + 1)],
            names=["year", "month"])
        totals = tidy.groupby(["year", "month"]).persons.sum().reindex(months, fill_value=0)
        rows = pd.concat([totals.reset_index().assign(breakdown="total", category="total",
                                                      label=TOTAL_LABEL), rows], ignore_index=True)
    rows = rows.assign(note=pd.NA, source_table=obj, source_page=0)
    return rows[["year", "month", "breakdown", "category", "label", "persons", "note",
                 "source_table", "source_page"]].sort_values(
        ["year", "month", "breakdown", "category"], ignore_index=True)


def _annual(tidy: pd.DataFrame, obj: str) -> pd.DataFrame:
    import pandas as pd

    rows = _categories(tidy, obj).assign(label=tidy.code)
    if obj == NAT:
        totals = tidy.groupby("year").persons.sum().reset_index()
        rows = pd.concat([totals.assign(breakdown="total", category="total", label=TOTAL_LABEL), rows],
                         ignore_index=True)
    rows = rows.assign(note=pd.NA, preliminary=False, as_of=pd.NaT, source_table=obj, source_page=0)
    return rows[list(ANNUAL_READ_COLUMNS)].astype(ANNUAL_READ_COLUMNS).sort_values(
        list(contract.ANNUAL_KEY), ignore_index=True)
