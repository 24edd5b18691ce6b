"""The frames the suites look at, derived from a batch with pandas alone (no GX here)."""

from __future__ import annotations

import pandas as pd

from darien.contract import ANNUAL_COLUMNS, COLUMNS, RECONCILIATION_COLUMNS, Batch, empty_annual

# Columns of the frame that describes a batch's own columns and their dtypes.
SCHEMA_COLUMNS = {"frame": "string", "column": "string", "expected": "string", "actual": "string"}
# One row about the batch as a whole (see batch_frame).
BATCH_COLUMNS = {"kind": "string", "source_kind": "string", "figures": "int64", "checks": "int64",
                 "checks_needed": "int64"}
CHANGES_COLUMNS = {
    "year": "int64", "breakdown": "string", "category": "string", "label": "string", "month": "int64",
    "previous": "int64", "persons": "int64", "larger": "int64", "ratio": "float64",
}
CATEGORIES_COLUMNS = {"breakdown": "string", "category": "string", "label": "string", "pair": "string"}
ANNUAL_SUMS_COLUMNS = {"year": "int64", "expected": "int64", "actual": "int64"}
MISSING = "(missing)"
NOT_IN_CONTRACT = "(not in contract)"


def annual_rows(batch: Batch) -> pd.DataFrame:
    """The batch's annual rows: the contract's empty annual frame when it has none (None)."""
    return batch.annual if batch.annual is not None else empty_annual()


def batch_frame(batch: Batch) -> pd.DataFrame:
    """One row about the batch: its kinds, how many figures it has (monthly and annual rows), how many sums it checked.

    `checks_needed` is 1 for a document that printed monthly tables (PDF, HTML) and so has
    sums to check; 0 for R data, which prints no sums, and for SNM's historical summary, whose
    rows are checked against its Total row by the annual suites.
    """
    printed_months = batch.kind != "rdata" and len(batch.rows) > 0
    return pd.DataFrame({
        "kind": [batch.kind], "source_kind": [batch.source_kind],
        "figures": [len(batch.rows) + len(annual_rows(batch))],
        "checks": [len(batch.reconciliation)], "checks_needed": [int(printed_months)],
    }).astype(BATCH_COLUMNS)


def schema_frame(batch: Batch) -> pd.DataFrame:
    """One row per column of the rows, annual and reconciliation frames: the contract's dtype and the batch's."""
    records = []
    for frame, contract, df in (
        ("rows", COLUMNS, batch.rows),
        ("annual", ANNUAL_COLUMNS, annual_rows(batch)),
        ("reconciliation", RECONCILIATION_COLUMNS, batch.reconciliation),
    ):
        for name, dtype in contract.items():
            actual = str(df[name].dtype) if name in df.columns else MISSING
            records.append((frame, name, dtype, actual))
        for name in df.columns:
            if name not in contract:
                records.append((frame, str(name), NOT_IN_CONTRACT, str(df[name].dtype)))
    out = pd.DataFrame.from_records(records, columns=list(SCHEMA_COLUMNS))
    return out.astype(SCHEMA_COLUMNS)


def changes_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Each category's change from one month to the next (December to January included): previous and current persons, and their ratio.

    The ratio is larger over smaller (a drop counts like a jump), with a zero month taken as 1
    so that 0 -> 300 is a jump of 300 rather than a division by zero.
    """
    needed = ("year", "breakdown", "category", "label", "month", "persons")
    if rows.empty or any(c not in rows.columns for c in needed) or not all(
        pd.api.types.is_integer_dtype(rows[c]) for c in ("year", "month", "persons")
    ):
        # A batch this broken fails the schema suite; there is nothing sensible to compare.
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in CHANGES_COLUMNS.items()})
    df = rows.loc[:, list(needed)].assign(at=rows["year"] * 12 + rows["month"])
    df = df.sort_values(["breakdown", "category", "at"])
    grouped = df.groupby(["breakdown", "category"], sort=False, dropna=False)
    df["previous"] = grouped["persons"].shift(1)
    df["previous_at"] = grouped["at"].shift(1)
    # Only neighbouring months compare: a gap (unreported months) is not a change.
    df = df[df["previous_at"].notna() & (df["at"] == df["previous_at"] + 1)].copy()
    df["previous"] = df["previous"].astype("int64")
    df["larger"] = df[["previous", "persons"]].max(axis=1)
    smaller = df[["previous", "persons"]].min(axis=1).clip(lower=1)
    df["ratio"] = df["larger"] / smaller
    return df.loc[:, list(CHANGES_COLUMNS)].reset_index(drop=True).astype(CHANGES_COLUMNS)


def categories_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Each distinct (breakdown, category, label) of the rows, with "breakdown/category" as one value.

    Checking that one column against the allowed pairs costs GX a fraction of a check per
    breakdown (a row condition per breakdown, or a set of ~300 pairs, is slow to set up).
    """
    needed = ["breakdown", "category", "label"]
    if any(c not in rows.columns for c in needed):
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in CATEGORIES_COLUMNS.items()})
    df = rows.loc[:, needed].astype("string").drop_duplicates().reset_index(drop=True)
    df["pair"] = df["breakdown"].fillna("(null)") + "/" + df["category"].fillna("(null)")
    return df


def annual_frame(batch: Batch) -> pd.DataFrame:
    """The batch's annual rows with "breakdown/category" as one value (`pair`), as the categories frame has it."""
    annual = annual_rows(batch)
    if any(c not in annual.columns for c in ("breakdown", "category")):
        return annual.assign(pair=pd.Series(pd.NA, index=annual.index, dtype="string"))
    pair = annual["breakdown"].astype("string").fillna("(null)") + "/" + annual["category"].astype("string").fillna("(null)")
    return annual.assign(pair=pair)


def annual_sums_frame(batch: Batch) -> pd.DataFrame:
    """Per year that has both a `total` row and country rows: the Total row (expected) and the sum of its countries (actual)."""
    annual = annual_rows(batch)
    if any(c not in annual.columns for c in ("year", "breakdown", "persons")) or not all(
        pd.api.types.is_integer_dtype(annual[c]) for c in ("year", "persons")
    ):
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in ANNUAL_SUMS_COLUMNS.items()})
    totals = annual[annual["breakdown"] == "total"].groupby("year")["persons"].sum()
    countries = annual[annual["breakdown"] == "country"].groupby("year")["persons"].sum()
    years = totals.index.intersection(countries.index).sort_values()
    return pd.DataFrame({"year": years, "expected": totals[years].to_numpy(),
                         "actual": countries[years].to_numpy()}).astype(ANNUAL_SUMS_COLUMNS)
