"""Layout drift: the tables an SNM version prints that the parser does not know, and the breakdowns it no longer gives.

Plain functions returning the run's warning lines; the flow decides whether to warn (once per
version: `drift_recorded`) or only to list them.
"""

from __future__ import annotations

import json
from datetime import date

import sqlalchemy as sa

from darien.contract import Batch, published_name
from load import schema
from load.ranking import RANKING

# The breakdowns a year's SNM figures are compared by (the document total is in every file).
COMPARED = ("region", "country", "sex", "sex_age", "age_status", "age_group")
# SNM's 2023 files replaced the sex table ("Condición") by the sex and age one ("Género"): a new
# year giving either is not missing the other.
SUCCESSORS = {"sex": "sex_age", "sex_age": "sex"}


def unknown_table_warnings(batch: Batch) -> list[str]:
    """One line per table the parser does not know: `<published name>: a table the parser does not know: <title> (rows: a, b)`."""
    lines = []
    for table in batch.unknown:
        labels = [label for label in table.labels if label.strip().lower() != "total"]
        rows = f"rows: {', '.join(labels)}" if table.rows else f"no rows it can read; {len(table.lines)} lines"
        lines.append(f"{batch.file_name}: a table the parser does not know: {table.title} ({rows})")
    return lines


def _current_snm(conn: sa.Connection, years: list[int], sha256: str) -> dict[tuple[int, str], dict]:
    """(year, breakdown) -> the current SNM slice (its version's sha256, URL, as_of) among the other versions of `years`."""
    order = ", ".join(f"s.{c}" for c in RANKING)
    found = conn.execute(sa.text(
        f"SELECT year, breakdown, source_sha256, source_url, as_of FROM ("
        f" SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.year, s.breakdown ORDER BY {order}) AS version_rank,"
        f" COUNT(*) OVER (PARTITION BY s.year, s.breakdown) AS versions"
        f" FROM {schema.slices.name} s WHERE s.source_kind = 'snm' AND s.source_sha256 <> :sha"
        f" AND s.year IN ({', '.join(str(int(y)) for y in years)})) r"
        f" WHERE version_rank = versions"), {"sha": sha256}).mappings().all()
    return {(row["year"], row["breakdown"]): dict(row) for row in found}


def _source_table(conn: sa.Connection, slice_: dict) -> str:
    """The `Cuadro No.` a version's slice was printed in."""
    rows = schema.version_rows
    found = conn.execute(sa.select(rows.c.source_table).distinct().where(
        (rows.c.source_sha256 == slice_["source_sha256"]) & (rows.c.year == slice_["year"])
        & (rows.c.breakdown == slice_["breakdown"]))).scalars().all()
    return ", ".join(sorted(found)) or "no table"


def _as_of(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def missing_breakdown_warnings(engine: sa.Engine, batch: Batch) -> list[str]:
    """One line per breakdown the year's current SNM figures have and this SNM version does not give.

    A year with no SNM figures yet is compared with the year before's. The re-publication's R data
    (it has its continuity checks) and annual-only documents are not compared: no lines.
    """
    if batch.source_kind != "snm" or not len(batch.rows):
        return []
    given = batch.rows.groupby("year").breakdown.agg(set).to_dict()
    years = sorted(int(y) for y in given)
    with engine.connect() as conn:
        current = _current_snm(conn, sorted({*years, *(y - 1 for y in years)}), batch.source_sha256)
        lines = []
        for year in years:
            has = given[year]
            if any(y == year for y, _ in current):
                for breakdown in COMPARED:
                    slice_ = current.get((year, breakdown))
                    if slice_ is None or breakdown in has:
                        continue
                    lines.append(
                        f"{batch.file_name}: no {breakdown} figures for {year}; they were in "
                        f"{_source_table(conn, slice_)} of {published_name(slice_['source_url'])}, and "
                        f"{year}'s {breakdown} figures still come from that version (as of {_as_of(slice_['as_of'])})")
                continue
            for breakdown in COMPARED:
                slice_ = current.get((year - 1, breakdown))
                if slice_ is None or breakdown in has or SUCCESSORS.get(breakdown) in has:
                    continue
                lines.append(
                    f"{batch.file_name}: {year} has no {breakdown} figures; {year - 1} had "
                    f"({_source_table(conn, slice_)} of {published_name(slice_['source_url'])}, "
                    f"as of {_as_of(slice_['as_of'])})")
    return lines


def drift_recorded(engine: sa.Engine, batch: Batch) -> bool:
    """Whether this version was processed before with the same unknown tables (the ledger's
    etl_documents.unknown_tables): its drift was warned of then, and a run now only lists it.

    Call it before the run records the version (mark_loaded, set_status): the record it compares
    with is the previous run's.
    """
    documents = schema.documents
    with engine.connect() as conn:
        recorded = conn.execute(sa.select(documents.c.unknown_tables).where(
            (documents.c.url == batch.source_url) & (documents.c.sha256 == batch.source_sha256))).scalar()
    return recorded is not None and json.loads(recorded) == batch.unknown_tables
