"""A database-neutral dump of a warehouse's tables (JSON, one row a line), and its restore.

`python tests/load/warehouse_dump.py` wrote tests/fixtures/warehouse_v6.json at the commit before
migration 7, with the publish code of that time: the two sample PDFs, a generated final 2023 and
that final re-parsed under another pipeline version, and three versions of a 2024 slice
published out of order. It refuses to run once the schema is past version 6.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
DUMP_V6 = HERE.parent / "fixtures" / "warehouse_v6.json"
TABLES = ("darien_transit", "darien_transit_history", "etl_slices", "etl_documents", "etl_loads")


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def dump(engine: sa.Engine, version: int) -> str:
    """The tables as JSON text: rows sorted, each on its own line, so that a change reads as a diff."""
    parts = []
    with engine.connect() as conn:
        for table in TABLES:
            result = conn.exec_driver_sql(f"SELECT * FROM {table}")
            columns = list(result.keys())
            body = sorted(json.dumps([_plain(v) for v in row], ensure_ascii=False) for row in result)
            parts.append(f'{json.dumps(table)}: {{"columns": {json.dumps(columns)}, "rows": [\n'
                         + ",\n".join(body) + "\n]}")
    return f'{{"schema_version": {version},\n' + ",\n".join(parts) + "\n}\n"


def _typed(kind: sa.types.TypeEngine, value):
    if value is None:
        return None
    if isinstance(kind, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    return value


def restore(engine: sa.Engine, path: Path = DUMP_V6) -> None:
    """Create a warehouse at the dump's schema version and fill its tables from the dump."""
    import load

    data = json.loads(path.read_text())
    load.ensure_schema(engine, upto=data["schema_version"])
    with engine.begin() as conn:
        for name in TABLES:
            # Column types from the inspector: DuckDB cannot reflect a whole Table.
            types = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns(name)}
            columns = data[name]["columns"]
            table = sa.table(name, *(sa.column(c, types[c]) for c in columns))
            rows = [{c: _typed(types[c], v) for c, v in zip(columns, row)}
                    for row in data[name]["rows"]]
            if rows:
                conn.execute(table.insert(), rows)


def _write_v6() -> None:
    import load
    import transform
    from load.migrations import LATEST
    from tests.load.load_batches import final_2023
    from tests.load.publish_sequences import reparsed, three_versions
    from tests.real_documents import REAL_2022, REAL_2023

    if LATEST != 6:
        raise SystemExit(f"the schema is at version {LATEST}: this dump is of a version-6 warehouse"
                         " written by the publish code of its time")
    prelim = transform.parse_document(REAL_2023)
    final = final_2023(prelim)
    versions = three_versions(year=2024)
    batches = [transform.parse_document(REAL_2022), prelim, final,
               reparsed(final, "parser-2+suites-1", {(12, "VEN"): 1, (9, "total"): 7}),
               versions[2], versions[0], versions[1]]
    with tempfile.TemporaryDirectory() as tmp:
        engine = load.connect(f"duckdb:///{Path(tmp) / 'warehouse.duckdb'}")
        load.ensure_schema(engine)
        for batch in batches:
            load.publish(engine, batch)
        DUMP_V6.write_text(dump(engine, LATEST))
        engine.dispose()


if __name__ == "__main__":
    # tests/ last: its transform/ and load/ folders must not shadow the packages.
    sys.path[0] = str(HERE.parents[1])
    sys.path += [str(HERE.parent), str(HERE)]
    _write_v6()
