"""One readable line per failing expectation, from GX's result for it."""

from __future__ import annotations

import math

import pandas as pd

SHOWN = 3  # offending rows named per line; the rest are counted


def _v(value) -> str:
    """A cell as the operator would read it: ints plain, strings quoted, missing as null."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _where(row: dict) -> str:
    """Where a contract row sits: breakdown, category, label, and month of its year (an annual row: its year)."""
    when = (f"month {_v(row.get('month'))} of {_v(row.get('year'))}" if "month" in row
            else f"year {_v(row.get('year'))}")
    return f"{row.get('breakdown')} {row.get('category')} (label {_v(row.get('label'))}) {when}"


def _batch_offender(kind: str, column: str | None, row: dict) -> str:
    """A failure of the batch frame's one row (expectations.frames.batch_frame)."""
    if column == "figures":
        return "the batch has no figures: no monthly and no annual rows"
    if column == "source_kind":
        return f"the batch's source_kind {_v(row.get('source_kind'))} is not the contract's"
    return (f"the document printed monthly tables but its sums were not checked "
            f"({_v(row.get('checks'))} reconciliation rows)")


def _offender(kind: str, column: str | None, row: dict, params: dict) -> str:
    if "figures" in row:
        return _batch_offender(kind, column, row)
    if kind == "expect_column_values_to_be_in_set" and column == "pair":
        return f"unknown {row.get('breakdown')} label {_v(row.get('label'))} (category {row.get('category')})"
    if kind == "expect_column_values_to_be_in_set":
        return f"unknown {column} {_v(row.get(column))} (label {_v(row.get('label'))})"
    if kind == "expect_column_values_to_not_be_null":
        return f"null {column} in {_where(row)}"
    if kind == "expect_column_values_to_be_between" and column == "ratio":
        return (f"month-over-month change in {_where(row)}: {_v(row.get('previous'))} -> "
                f"{_v(row.get('persons'))} (x{float(row.get('ratio') or 0):.1f}, beyond factor {_v(params.get('max'))})")
    if kind == "expect_column_values_to_be_between":
        low, high = params.get("min"), params.get("max")
        bounds = f">= {_v(low)}" if high is None else f"{_v(low)}..{_v(high)}"
        return f"{column} {_v(row.get(column))} outside {bounds} in {_where(row)}"
    if kind == "expect_compound_columns_to_be_unique":
        key = ", ".join(_v(row.get(c)) for c in params.get("columns", ()))
        return f"duplicate key ({key}) (label {_v(row.get('label'))})"
    if kind == "expect_column_pair_values_to_be_equal" and "frame" in row:
        return (f"{row['frame']} column {_v(row.get('column'))} has dtype {row.get('actual')}, "
                f"contract says {row.get('expected')}")
    if kind == "expect_column_pair_values_to_be_equal" and "check" not in row:
        return (f"the countries of {_v(row.get('year'))} add up to {_v(row.get('actual'))}, "
                f"its annual Total row says {_v(row.get('expected'))}")
    if kind == "expect_column_pair_values_to_be_equal":
        return (f"reconciliation {row.get('source_table')} {row.get('check')} label {_v(row.get('label'))} "
                f"month {_v(row.get('month'))}: expected {_v(row.get('expected'))}, "
                f"actual {_v(row.get('actual'))}")
    return f"{kind} on {column}: {row}"


def offenders(suite: str, result) -> list[str]:
    """What one failing ExpectationValidationResult of `suite` found: a phrase per offending row."""
    config = result.expectation_config
    kind, kwargs = config.type, config.kwargs
    column = kwargs.get("column")
    info = result.exception_info or {}
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "").strip().splitlines()[:1]
        return [f"{suite}: {kind} on {column} could not run: {' '.join(message)}"]
    outcome = result.result or {}
    rows = outcome.get("unexpected_index_list") or []
    if not rows or not isinstance(rows[0], dict):
        return [f"{suite}: {kind} on {column} failed: {outcome.get('partial_unexpected_list')}"]
    params = {"min": kwargs.get("min_value"), "max": kwargs.get("max_value"),
              "columns": kwargs.get("column_list", ())}
    # GX lists every offending row; a duplicated key shows up once per copy.
    return list(dict.fromkeys(_offender(kind, column, row, params) for row in rows))


def one_line(phrases: list[str]) -> str:
    """The first few phrases on one line, and how many more there are."""
    more = len(phrases) - SHOWN
    return "; ".join(phrases[:SHOWN]) + (f" (and {more} more)" if more > 0 else "")
