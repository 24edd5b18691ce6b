"""Open exports after a publish: CSV and Parquet of every table, a Frictionless data package, a read-only DuckDB.

Every file is written beside its final name and renamed into place, and datapackage.json
last, so a reader never sees a half-written file. Analysts read these or `darien.duckdb`,
never the warehouse file the pipeline writes (an open DuckDB reader blocks the writer).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from darien import contract
from export import codebook

if TYPE_CHECKING:  # imported where exports are written: a quiet nightly run writes none
    import pandas as pd

SNAPSHOT = "darien.duckdb"
DESCRIPTOR = "datapackage.json"
SOURCES = [
    {"title": "Servicio Nacional de Migración de Panamá (SNM): Tránsito irregular por Darién",
     "path": "https://www.migracion.gob.pa/estadisticas/"},
    {"title": "IOM Global Data Institute, R package gdidata: irreg_darien_nat and irreg_darien_dmg, a "
              "re-publication of SNM's series (rows with source_kind republication)",
     "path": "https://github.com/iom/gdidata"},
]
LICENCES = [
    # SNM states no licence on these public government statistics: say so rather than invent one.
    {"title": "Public statistics of Panama's SNM, no licence stated by the source; cite SNM as the source",
     "path": "https://www.migracion.gob.pa/estadisticas/"},
    {"name": "MIT", "title": "The re-publication's figures (source_kind republication): gdidata, MIT licence; "
                             "its notice reads \"Copyright (c) 2024 gdiviz authors\"",
     "path": "https://opensource.org/license/mit"},
]

INTEGER = {"year", "month", "persons", "source_page", "months", "snm_persons", "republished_persons", "difference"}
NUMBER = {"share"}
BOOLEAN = {"preliminary", "derived", "printed", "snm_preliminary"}
DATE = {"as_of"}
DATETIME = {"loaded_at"}


@dataclass
class Exported:
    """What one export wrote: the folder, the tables and their row counts."""

    folder: Path
    rows: dict[str, int] = field(default_factory=dict)


def field_type(column: str) -> str:
    """The Frictionless type of an exported column."""
    for names, kind in ((INTEGER, "integer"), (NUMBER, "number"), (BOOLEAN, "boolean"),
                        (DATE, "date"), (DATETIME, "datetime")):
        if column in names:
            return kind
    return "string"


def read_table(engine: sa.Engine, name: str) -> pd.DataFrame:
    """One exported table or view, in primary-key order, with the codebook's types."""
    import pandas as pd

    _, key = codebook.TABLES[name]
    with engine.connect() as conn:
        frame = pd.read_sql(sa.text(f"SELECT * FROM {name} ORDER BY {', '.join(key)}"), conn)
    for column in frame.columns:
        kind = field_type(column)
        if kind == "integer":
            frame[column] = frame[column].astype("Int64")
        elif kind == "number":
            frame[column] = frame[column].astype("Float64")
        elif kind == "boolean":
            frame[column] = frame[column].astype("boolean")
        elif kind == "date":
            frame[column] = pd.to_datetime(frame[column]).dt.date
        elif kind == "datetime":
            frame[column] = pd.to_datetime(frame[column], utc=True)
        else:
            frame[column] = frame[column].astype("string")
    return frame


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write `path` through `write(partial)` beside it, then rename: readers never see half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if field_type(column) == "datetime":
            out[column] = out[column].map(lambda v: v.isoformat() if pd.notna(v) else None)
        elif field_type(column) == "boolean":
            out[column] = out[column].map({True: "true", False: "false"})
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def resource(name: str, frame: pd.DataFrame) -> dict:
    """The data package resource describing one exported CSV."""
    what, key = codebook.TABLES[name]
    return {
        "name": name.replace("_", "-"),
        "profile": "tabular-data-resource",
        "path": f"{name}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": f"One row: {what}. Same rows in {name}.parquet.",
        "schema": {
            "fields": [{"name": c, "type": field_type(c), "description": codebook.COLUMNS[c]}
                       for c in frame.columns],
            "primaryKey": list(key),
        },
    }


def descriptor(frames: dict[str, pd.DataFrame], created: datetime) -> dict:
    """The datapackage.json of the exports: resources, codebook, licence and source."""
    return {
        "profile": "tabular-data-package",
        "name": "darien-transit",
        "title": "Irregular transit through the Darién (Panama SNM), monthly, and annual from 2010",
        "description": codebook.markdown(),
        "created": created.isoformat(timespec="seconds"),
        "licenses": LICENCES,
        "sources": SOURCES,
        "codebook": {
            "traps": list(codebook.TRAPS),
            "breakdowns": {name: {"counts": b.counts, "years": b.years}
                           for name, b in codebook.BREAKDOWNS.items()},
            "categories": codebook.categories(),
        },
        "resources": [resource(name, frame) for name, frame in frames.items()],
    }


def _snapshot(frames: dict[str, pd.DataFrame], path: Path) -> None:
    import duckdb

    with duckdb.connect(str(path)) as conn:
        for name, frame in frames.items():
            conn.register("_frame", frame)
            conn.execute(f"CREATE TABLE {name} AS SELECT * FROM _frame")
            conn.unregister("_frame")
    # Read-only on disk too: a reader cannot change what the next export replaces.
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def write_exports(engine: sa.Engine, folder: Path, *, now: datetime | None = None) -> Exported:
    """Export darien_transit, every view and both dimensions to `folder`: CSV, Parquet, datapackage.json, darien.duckdb."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = {name: read_table(engine, name) for name in codebook.TABLES}
    for name, frame in frames.items():
        atomic_write(folder / f"{name}.csv", lambda p, f=frame: _csv(f, p))
        atomic_write(folder / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    atomic_write(folder / SNAPSHOT, lambda p: _snapshot(frames, p))
    package = descriptor(frames, now or datetime.now(timezone.utc))
    atomic_write(folder / DESCRIPTOR, lambda p: p.write_text(
        json.dumps(package, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"))
    return Exported(folder, {name: len(frame) for name, frame in frames.items()})


assert set(contract.COLUMNS) <= set(codebook.COLUMNS)
