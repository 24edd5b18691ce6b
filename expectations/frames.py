"""The frames the suites look at, derived from a batch with pandas alone (no GX here)."""

from __future__ import annotations

import pandas as pd

from darien.contract import COLUMNS, RECONCILIATION_COLUMNS, Batch

# Columns of the frame that describes a batch's own columns and their dtypes.
SCHEMA_COLUMNS = {"frame": "string", "column": "string", "expected": "string", "actual": "string"}
CHANGES_COLUMNS = {
    "breakdown": "string", "category": "string", "label": "string", "month": "int64",
    "previous": "int64", "persons": "int64", "larger": "int64", "ratio": "float64",
}
CATEGORIES_COLUMNS = {"breakdown": "string", "category": "string", "label": "string", "pair": "string"}
MISSING = "(missing)"
NOT_IN_CONTRACT = "(not in contract)"


def schema_frame(batch: Batch) -> pd.DataFrame:
    """One row per column of the rows and reconciliation frames: the contract's dtype and the batch's."""
    records = []
    for frame, contract, df in (
        ("rows", COLUMNS, batch.rows),
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
    """Each category's month-over-month change: previous and current persons, and their ratio.

    The ratio is larger over smaller (a drop counts like a jump), with a zero month taken as 1
    so that 0 -> 300 is a jump of 300 rather than a division by zero.
    """
    needed = ("breakdown", "category", "label", "month", "persons")
    if rows.empty or any(c not in rows.columns for c in needed) or not all(
        pd.api.types.is_integer_dtype(rows[c]) for c in ("month", "persons")
    ):
        # A batch this broken fails the schema suite; there is nothing sensible to compare.
        return pd.DataFrame({n: pd.Series(dtype=d) for n, d in CHANGES_COLUMNS.items()})
    df = rows.loc[:, list(needed)].sort_values(["breakdown", "category", "month"])
    grouped = df.groupby(["breakdown", "category"], sort=False, dropna=False)
    df["previous"] = grouped["persons"].shift(1)
    df["previous_month"] = grouped["month"].shift(1)
    # Only neighbouring months compare: a gap (unreported months) is not a change.
    df = df[df["previous_month"].notna() & (df["month"] == df["previous_month"] + 1)].copy()
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
