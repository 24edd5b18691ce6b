"""The warehouse contract: columns, breakdowns and categories of `darien_transit`.

Downstream users depend on it; later work may extend it, never break it. Every stage
imports these names instead of spelling columns or categories again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where frames are built: a quiet nightly run builds none
    import pandas as pd

# Bump PARSER_VERSION when transform/ would produce different rows from the same bytes,
# SUITES_VERSION when expectations/ would judge a batch differently: either change makes
# the pipeline re-process documents it has already seen.
PARSER_VERSION = "1"
# 2: countries may be XKX (Kosovo) or TIB (Tibet). 3: source_kind required; a batch may have
# annual rows only (suites for annual rows); R data needs no reconciliation rows.
SUITES_VERSION = "3"
PIPELINE_VERSION = f"parser-{PARSER_VERSION}+suites-{SUITES_VERSION}"

TABLE = "darien_transit"
PRIMARY_KEY = ("year", "month", "breakdown", "category")

# Column name -> pandas dtype of a parsed batch. Order is the table's column order.
COLUMNS: dict[str, str] = {
    "year": "int64",
    "month": "int64",
    "breakdown": "string",
    "category": "string",
    "label": "string",
    "persons": "int64",
    "note": "string",
    "preliminary": "bool",
    "as_of": "datetime64[s]",  # a date: the document's cut-off
    "source_url": "string",
    "source_sha256": "string",
    "source_table": "string",
    "source_page": "int64",
    "pipeline_version": "string",
    "load_id": "string",  # set by load/, empty in a parsed batch
    "loaded_at": "datetime64[us, UTC]",  # set by load/, empty in a parsed batch
    "source_kind": "string",  # SOURCE_KINDS: whose publication the figure is (added in version 8)
}
NULLABLE = frozenset({"note", "load_id", "loaded_at"})
LINEAGE_SET_BY_LOAD = ("load_id", "loaded_at")

# Who published a figure: SNM's own documents, or a re-publication of SNM's series (IOM's
# gdidata R package). A year's current figures come from the first kind that gives the year.
SOURCE_KINDS = ("snm", "republication")

# The annual figures (`darien_transit_annual`): years that only annual figures exist for (SNM's
# historical summary, the re-publication's 2010-2019). The contract's columns less `month`.
ANNUAL_TABLE = "darien_transit_annual"
ANNUAL_KEY = ("year", "breakdown", "category")
ANNUAL_COLUMNS: dict[str, str] = {name: dtype for name, dtype in COLUMNS.items() if name != "month"}

UNMAPPED = "UNMAPPED"  # a country label no alias or pycountry name explains: never loaded

REGIONS = (
    "south_america", "caribbean", "asia", "africa", "europe",
    "central_america", "north_america", "eurasia", "oceania", "other",
)
AGE_GROUPS = tuple(f"{a:02d}-{a + 5:02d}" for a in range(0, 78, 6)) + ("78+", "unknown")

# breakdown -> the categories it allows; None means a country: ISO 3166-1 alpha-3, XKX, TIB or
# OTHER (darien.countries.country_codes).
BREAKDOWNS: dict[str, tuple[str, ...] | None] = {
    "total": ("total",),
    "region": REGIONS,
    "country": None,
    "sex": ("male", "female"),  # 2021-22 "Condición": all ages
    "sex_age": ("male_adult", "female_adult", "male_minor", "female_minor"),  # 2023 on
    "age_status": ("adult", "minor"),
    "age_group": AGE_GROUPS,
}
OTHER_COUNTRIES = "OTHER"  # "Otros Países": an aggregate, not a country

# Reconciliation frame: one row per check the suites assert as expected == actual.
#   check: "rows_sum"       sum of a table's rows vs its printed Total row, per month
#          "total_column"   sum of a row's months vs its printed Total column
#          "document_total" a table's Total row vs the document's (first table's) Total row
RECONCILIATION_COLUMNS: dict[str, str] = {
    "source_table": "string",
    "check": "string",
    "label": "string",
    "month": "int64",  # 0 for the annual Total column
    "expected": "int64",
    "actual": "int64",
}


@dataclass
class UnknownTable:
    """A `Cuadro No.` table the parser does not know, as printed: kept for a person to read, never loaded.

    `rows` are the rows it could read, each (label, Total, 12 months) with None for `-`;
    `lines` its text lines, from its title to the next title, chart or page end.
    """

    title: str
    page: int
    rows: list[tuple] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [row[0] for row in self.rows]


@dataclass
class Batch:
    """One document version, parsed: what transform/ yields, expectations/ judges, load/ publishes.

    `rows` has the COLUMNS above (load_id and loaded_at empty); `annual` has ANNUAL_COLUMNS
    (empty for a monthly document); `reconciliation` has RECONCILIATION_COLUMNS. A document may
    span years: `year`, `as_of` and `preliminary` are its newest year's, the rows carry each
    year's own. The ranking fields decide which document of a year wins:
    as_of, then final over preliminary, then the PDF's own modification date, then
    first_seen_at (filled from the ledger by the flow, not by the parser).
    """

    source_url: str
    source_sha256: str
    year: int
    as_of: date
    preliminary: bool
    rows: pd.DataFrame
    reconciliation: pd.DataFrame
    kind: str = "pdf"  # "pdf" | "html" | "rdata"
    source_kind: str = "snm"  # SOURCE_KINDS; follows the format: R data is the re-publication
    annual: pd.DataFrame | None = None  # ANNUAL_COLUMNS; None or empty: no annual figures
    modified_at: datetime | None = None
    first_seen_at: datetime | None = None
    unknown: list[UnknownTable] = field(default_factory=list)  # printed tables the parser does not know

    @property
    def unknown_tables(self) -> list[str]:
        """The unknown tables' printed titles: what the ledger keeps (etl_documents.unknown_tables)."""
        return [table.title for table in self.unknown]

    @property
    def years(self) -> list[int]:
        """Every year the document gives figures for, in its monthly or its annual rows."""
        found = set(self.rows["year"].tolist()) if len(self.rows) else set()
        if self.annual is not None and len(self.annual):
            found |= set(self.annual["year"].tolist())
        return sorted(int(y) for y in found)

    @property
    def short(self) -> str:
        return self.source_sha256[:6]

    @property
    def file_name(self) -> str:
        """The published file name: what one-line errors call this document."""
        return published_name(self.source_url) or self.source_url


def shown_url(url: str) -> str:
    """`url` with its percent-escapes decoded (TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf, not TR%C3%81NSITO…), and a
    local file's URL as its path on the server (a browser showing the UI opens no file://); for display only."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        return unquote(parts.path) + (f"#{unquote(parts.fragment)}" if parts.fragment else "")
    return unquote(url)


def published_name(url: str) -> str:
    """The last segment of a document's URL, decoded ('' if it has none)."""
    from pathlib import PurePosixPath
    from urllib.parse import unquote, urlsplit

    return PurePosixPath(unquote(urlsplit(url).path)).name


def without_name(reason: str, url: str) -> str:
    """`reason` without the document's name it starts with (a parse error's), for a line that names the document first."""
    return reason.removeprefix(f"{published_name(url) or url}: ")


def empty_rows() -> pd.DataFrame:
    """A zero-row frame with the contract's columns and dtypes."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})


def empty_annual() -> pd.DataFrame:
    """A zero-row frame with the annual table's columns and dtypes."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in ANNUAL_COLUMNS.items()})


def empty_reconciliation() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({n: pd.Series(dtype=d) for n, d in RECONCILIATION_COLUMNS.items()})


FETCH_OUTCOMES = ("downloaded", "not_modified", "refused", "failed")
LEDGER_STATUSES = ("new", "loaded", "quarantined", "failed", "skipped", "refused")


@dataclass
class DocumentVersion:
    """One fetch of one document URL: what extract/ reports and the ledger (etl_documents) keeps.

    `fetch` says what happened on the wire; the ledger's own `status` (LEDGER_STATUSES)
    is set later by the flow as the version moves through parse, validate and publish.
    For `not_modified` the sha256/path are those of the version already stored.
    """

    url: str
    source: str  # the index page or folder it was found on
    fetch: str  # one of FETCH_OUTCOMES
    sha256: str | None = None
    path: Path | None = None  # the raw landing-zone file, named by sha256
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    bytes: int | None = None
    kind: str | None = None  # "pdf" | "html"
    year: int | None = None  # from link text or file name, when they say
    error: str | None = None  # one line, for refused/failed
    # False: the ledger knows these bytes but the landing zone keeps no file of them on
    # purpose (a skipped non-Darién file, a raw file pruned by retention).
    kept: bool = True
