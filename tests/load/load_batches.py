"""Batches for the load tests: the real 2023 preliminary PDF, a generated final, and batches from plain rows."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa

from darien import contract



def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def rows(*cells: tuple, year: int = 2023) -> pd.DataFrame:
    """A frame from plain (month, breakdown, category, label, persons) tuples."""
    frame = pd.DataFrame(cells, columns=["month", "breakdown", "category", "label", "persons"])
    frame.insert(0, "year", year)
    return frame


def make_batch(frame: pd.DataFrame, *, url: str, sha256: str, as_of: date, preliminary: bool,
               modified_at: datetime | None = None, year: int = 2023) -> contract.Batch:
    """A contract Batch from rows holding at least the cell columns, label and persons."""
    out = frame.reset_index(drop=True).copy()
    defaults = {"source_table": "Cuadro No. 001", "source_page": 1, "note": pd.NA, "source_kind": "snm"}
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
    out["preliminary"] = preliminary
    out["as_of"] = pd.Timestamp(as_of)
    out["source_url"] = url
    out["source_sha256"] = sha256
    out["pipeline_version"] = contract.PIPELINE_VERSION
    out["load_id"] = pd.NA
    out["loaded_at"] = pd.Series(pd.NaT, index=out.index, dtype=contract.COLUMNS["loaded_at"])
    out = out.astype(contract.COLUMNS)[list(contract.COLUMNS)]
    return contract.Batch(source_url=url, source_sha256=sha256, year=year, as_of=as_of,
                          preliminary=preliminary, rows=out, source_kind=str(out["source_kind"].iloc[0]) if len(out) else "snm",
                          reconciliation=contract.empty_reconciliation(), modified_at=modified_at)


MOVED = "NPL"  # moved into Otros Países by the generated final


def final_2023(preliminary: contract.Batch) -> contract.Batch:
    """A final 2023 file generated from the preliminary one: August's total, Venezuela and
    South America revised up by 12, Sep-Dec repeating (revised) August in every table, and
    Nepal moved into Otros Países, so its persons add to OTHER month by month."""
    frame = preliminary.rows.copy()
    revised = ((frame.month == 8) & frame.category.isin(["total", "VEN", "south_america"]))
    frame.loc[revised, "persons"] += 12
    august = frame[frame.month == 8]
    later = []
    for month in (9, 10, 11, 12):
        copy = august.copy()
        copy["month"] = month
        later.append(copy)
    frame = pd.concat([frame, *later], ignore_index=True)
    moved = (frame.breakdown == "country") & (frame.category == MOVED)
    assert moved.sum() == 12, "the preliminary file lists Nepal in every month"
    by_month = frame[moved].set_index("month").persons
    other = (frame.breakdown == "country") & (frame.category == contract.OTHER_COUNTRIES)
    frame.loc[other, "persons"] += frame.loc[other, "month"].map(by_month).to_numpy()
    frame = frame[~moved].reset_index(drop=True)
    url = "https://www.migracion.gob.pa/wp-content/uploads/IRREGULARES-POR-DARIEN-DICIEMBRE-2023.pdf"
    return make_batch(frame, url=url, sha256=sha("final 2023"), as_of=date(2023, 12, 31),
                      preliminary=False, modified_at=datetime(2024, 1, 15, 10, 0))


VOLATILE = {"load_id", "loaded_at", "first_seen_at", "last_checked_at", "started_at",
            "finished_at"}


def snapshot(engine: sa.Engine, tables=("darien_transit", "darien_transit_history",
                                         "etl_slices", "etl_documents")) -> dict[str, list[tuple]]:
    """Every row of the given tables, sorted, without ids and timestamps."""
    out = {}
    with engine.connect() as conn:
        for table in tables:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
            keep = [i for i, c in enumerate(result.keys()) if c not in VOLATILE]
            out[table] = sorted((tuple(r[i] for i in keep) for r in result), key=repr)
    return out


def current(engine: sa.Engine) -> pd.DataFrame:
    """darien_transit as a frame in key order, lineage set by load dropped."""
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text("SELECT * FROM darien_transit"), conn)
    return frame.drop(columns=list(contract.LINEAGE_SET_BY_LOAD)).sort_values(
        list(contract.PRIMARY_KEY)).reset_index(drop=True)
