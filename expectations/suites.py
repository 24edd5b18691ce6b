"""The expectation suites, as code: one suite per concern, each run on one frame of a batch.

GX is imported inside the builders only: importing this module must stay cheap.
"""

from __future__ import annotations

import hashlib
import json

from darien.contract import (
    ANNUAL_COLUMNS, ANNUAL_KEY, BREAKDOWNS, COLUMNS, NULLABLE, PRIMARY_KEY, SOURCE_KINDS, SUITES_VERSION,
)
from darien.countries import country_codes

FIRST_YEAR = 2010  # the earliest year SNM publishes figures for
# A month-over-month change is only a jump when the larger month has at least this many
# persons: 3 -> 40 in a small category is noise, 325 -> 4 in an age group is not.
JUMP_FLOOR = 100

# The frames a batch is judged on (see frames.py), and the columns that name an offending row.
FRAMES: dict[str, list[str]] = {
    "schema": ["frame", "column"],
    "batch": ["kind", "source_kind", "figures", "checks"],
    "rows": ["year", "month", "breakdown", "category", "label"],
    "categories": ["breakdown", "category", "label"],
    "reconciliation": ["source_table", "check", "label", "month"],
    "changes": ["year", "breakdown", "category", "label", "month", "previous", "persons"],
    "annual": ["year", "breakdown", "category", "label"],
    "annual_sums": ["year", "expected", "actual"],
}
# Frames judged only when the batch has annual rows (validate skips their suites otherwise).
ANNUAL_FRAMES = ("annual", "annual_sums")


def _schema(gxe) -> list:
    return [gxe.ExpectColumnPairValuesToBeEqual(
        column_A="expected", column_B="actual",
        description="every contract column is present with its contract dtype, and no other",
    )]


def _batch(gxe) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="figures", min_value=1, description="a batch has figures: monthly rows, annual rows or both"),
        gxe.ExpectColumnValuesToBeInSet(
            column="source_kind", value_set=list(SOURCE_KINDS), description="the batch's source kind is the contract's"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="checks", column_B="checks_needed", or_equal=True,
            description="a document that printed monthly tables had its sums checked (R data prints none)"),
    ]


def _not_null(gxe, columns: dict[str, str]) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=name, description=f"{name} is never null")
            for name in columns if name not in NULLABLE]


def _completeness(gxe) -> list:
    return _not_null(gxe, COLUMNS)


def _values(gxe) -> list:
    """persons, year and source_kind within the contract's bounds: for monthly and annual rows alike."""
    return [
        gxe.ExpectColumnValuesToBeBetween(column="persons", min_value=0, description="persons >= 0"),
        gxe.ExpectColumnValuesToBeBetween(
            column="year", min_value=FIRST_YEAR, max_value={"$PARAMETER": "max_year"},
            description=f"year from {FIRST_YEAR} to the current year",
        ),
        gxe.ExpectColumnValuesToBeInSet(column="source_kind", value_set=list(SOURCE_KINDS),
                                        description="source_kind is one of " + ", ".join(SOURCE_KINDS)),
    ]


def _ranges(gxe) -> list:
    return _values(gxe) + [
        gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1, max_value=12,
                                          description="month 1..12"),
    ]


def allowed_categories() -> list[str]:
    """Every "breakdown/category" pair the contract allows."""
    return [
        f"{breakdown}/{category}"
        for breakdown, allowed in BREAKDOWNS.items()
        for category in (allowed if allowed is not None else country_codes())
    ]


def _categories(gxe) -> list:
    return [gxe.ExpectColumnValuesToBeInSet(
        column="pair", value_set=allowed_categories(),
        description="each breakdown's categories are the contract's; countries are "
        "ISO 3166-1 alpha-3, XKX, TIB or OTHER (UNMAPPED fails)",
    )]


def _key(gxe) -> list:
    return [gxe.ExpectCompoundColumnsToBeUnique(
        column_list=list(PRIMARY_KEY), description="one row per " + ", ".join(PRIMARY_KEY),
    )]


def _reconciliation(gxe) -> list:
    # Whether there had to be checks at all, the batch suite says (R data prints no sums).
    return [gxe.ExpectColumnPairValuesToBeEqual(
        column_A="expected", column_B="actual",
        description="rows add up to the Total row, months to the Total column, tables to the document",
    )]


def _jumps(gxe) -> list:
    from great_expectations.expectations.row_conditions import Column

    return [gxe.ExpectColumnValuesToBeBetween(
        column="ratio", max_value={"$PARAMETER": "jump_factor"},
        row_condition=Column("larger") >= JUMP_FLOOR, severity="warning",
        description=f"no month-over-month change beyond the jump factor (from {JUMP_FLOOR} persons)",
    )]


def _annual(gxe) -> list:
    """The annual rows (2010-2019 by nationality, from SNM's historical summary or the re-publication): an empty frame passes."""
    return _not_null(gxe, ANNUAL_COLUMNS) + _values(gxe) + _categories(gxe) + [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(ANNUAL_KEY), description="one annual row per " + ", ".join(ANNUAL_KEY)),
    ]


def _annual_sums(gxe) -> list:
    return [gxe.ExpectColumnPairValuesToBeEqual(
        column_A="expected", column_B="actual",
        description="a year's country rows add up to its Total row, where both are given",
    )]


# suite name -> (frame it runs on, builder). The order is the order of Verdict.failures.
SUITES = {
    "darien_schema": ("schema", _schema),
    "darien_batch": ("batch", _batch),
    "darien_completeness": ("rows", _completeness),
    "darien_ranges": ("rows", _ranges),
    "darien_categories": ("categories", _categories),
    "darien_key": ("rows", _key),
    "darien_reconciliation": ("reconciliation", _reconciliation),
    "darien_jumps": ("changes", _jumps),
    "darien_annual": ("annual", _annual),
    "darien_annual_sums": ("annual_sums", _annual_sums),
}


def build_suites() -> list:
    """The suites as GX ExpectationSuite objects, each tagged with contract.SUITES_VERSION."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suites = []
    for name, (frame, builder) in SUITES.items():
        suites.append(gx.ExpectationSuite(
            name=name, expectations=builder(gxe), meta={"suites_version": SUITES_VERSION, "frame": frame},
        ))
    return suites


def expectation_configs(expectations) -> list[dict]:
    """Expectations as plain dicts, without the ids and rendered content GX adds when it stores them."""
    configs = []
    for expectation in expectations:
        config = expectation.configuration.to_json_dict()
        config.pop("id", None)
        config.pop("rendered_content", None)
        configs.append(config)
    return configs


def fingerprint() -> str:
    """A digest of every suite's definition: if it changes, SUITES_VERSION must change too."""
    import great_expectations.expectations as gxe

    canon = [[name, frame, config]
             for name, (frame, builder) in SUITES.items() for config in expectation_configs(builder(gxe))]
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()
