"""Writing many rows at once: a small table by bound parameters, a batch's rows by the databases' bulk paths."""

from __future__ import annotations

import sqlalchemy as sa

COPY_CHUNK = 100_000  # rows per CSV chunk sent to PostgreSQL's COPY


def insert_rows(conn: sa.Connection, table: str, rows: list[tuple]) -> None:
    """Insert `rows` (tuples, as many values as `table` has columns) into a small table by bound parameters."""
    if not rows:
        return
    values = ", ".join("(" + ", ".join(f":v{i}_{j}" for j in range(len(row))) + ")" for i, row in enumerate(rows))
    params = {f"v{i}_{j}": value.item() if hasattr(value, "item") else value
              for i, row in enumerate(rows) for j, value in enumerate(row)}
    conn.execute(sa.text(f"INSERT INTO {table} VALUES {values}"), params)


def bulk_insert(conn: sa.Connection, table: sa.Table, frame, columns, constants: dict | None = None) -> None:
    """Write `frame`'s `columns` (a table column -> frame column mapping, or names) and `constants` into `table`.

    By the bulk paths, as Arrow: DuckDB scans the Arrow table (twice as fast as a pandas frame);
    PostgreSQL COPYs it as CSV, in chunks, so that the server parses one while the next is
    written. Date columns are cast from the frame's timestamps. A frame column may feed two
    table columns (history's valid_from is its as_of).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = dict(columns) if isinstance(columns, dict) else {c: c for c in columns}
    constants = constants or {}
    sources = sorted(set(columns.values()), key=list(frame.columns).index)
    arrow = pa.Table.from_pandas(frame, columns=sources, preserve_index=False)
    names = [*columns, *constants]
    if conn.dialect.name == "duckdb":
        raw = conn.connection.dbapi_connection
        exprs = [f"CAST({source} AS DATE)" if isinstance(table.c[target].type, sa.Date) else source
                 for target, source in columns.items()]
        params = {}
        for i, (c, value) in enumerate(constants.items()):
            exprs.append(f"CAST(:k{i} AS {table.c[c].type.compile(dialect=conn.dialect)})")
            params[f"k{i}"] = value
        # The rows' order within the table means nothing: let the threads append as they go.
        order = conn.exec_driver_sql("SELECT current_setting('preserve_insertion_order')").scalar()
        conn.exec_driver_sql("SET preserve_insertion_order = false")
        raw.register("_bulk_rows", arrow)
        try:
            conn.execute(sa.text(f"INSERT INTO {table.name} ({', '.join(names)})"
                                 f" SELECT {', '.join(exprs)} FROM _bulk_rows"), params)
        finally:
            raw.unregister("_bulk_rows")
            conn.exec_driver_sql(f"SET preserve_insertion_order = {'true' if order else 'false'}")
        return
    import pyarrow.csv as pacsv

    arrays = []
    for target, source in columns.items():
        array = arrow[source]
        if isinstance(table.c[target].type, sa.Date) and pa.types.is_timestamp(array.type):
            array = pc.cast(array, pa.date32())
        arrays.append(array)
    for value in constants.values():
        arrays.append(pa.repeat(pa.scalar(value), len(frame)))
    # pyarrow 26 writes garbage for a column whose first chunk is empty: one chunk each.
    out = pa.Table.from_arrays(arrays, names=names).combine_chunks()
    # Quote every value so an empty label stays '' while a missing value (unquoted) is NULL.
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy:
            for batch in out.to_batches(max_chunksize=COPY_CHUNK):
                sink = pa.BufferOutputStream()
                pacsv.write_csv(batch, sink, options)
                copy.write(memoryview(sink.getvalue()))
