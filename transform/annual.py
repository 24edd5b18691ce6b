"""Annual figures (years before the monthly series): the frame both sources' annual rows share, and SNM's historical summary read off its PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# Column name -> pandas dtype of the annual rows: the contract's columns less `month` and
# the lineage load/ adds. Key (year, breakdown, category); `as_of` is 31 December of the year.
ANNUAL_COLUMNS: dict[str, str] = {
    "year": "int64",
    "breakdown": "string",
    "category": "string",
    "label": "string",
    "persons": "int64",
    "note": "string",
    "preliminary": "bool",
    "as_of": "datetime64[s]",
    "source_table": "string",
    "source_page": "int64",
}
ANNUAL_KEY = ("year", "breakdown", "category")


def annual_frame(records: list[dict]) -> pd.DataFrame:
    """Annual rows (dicts with ANNUAL_COLUMNS' keys) as a frame with its dtypes, in key order."""
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=list(ANNUAL_COLUMNS)).astype(ANNUAL_COLUMNS)
    return frame.sort_values(list(ANNUAL_KEY), ignore_index=True)
