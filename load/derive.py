"""Deriving the current figures and their history from every version's rows, for the slices a publish touches.

Each source kind (contract.SOURCE_KINDS: SNM, the re-publication) has its own chain of versions
of each (year, breakdown) slice. A chain's versions are ranked in one place, `RANKING`: by
as_of, then final over preliminary, then the PDF's own modification date, then when the ledger
first saw it, then sha256 (so that a tie still has one answer); fetch or load order never decides.
A figures table's history has, per chain, a row wherever a cell's value differs from the version
ranked before it (or the cell appears), valid until the cell's next change or its disappearance,
and closed by that version. Its current rows are, for each year, the top versions of the chains
of the first kind in `SOURCE_KINDS` that gives the year any slice (`PRECEDENCE`): while SNM's
versions hold rows for a year, every breakdown of the year is SNM's, even one SNM's file lacks.

Both are tables, refreshed for the chains listed in the temporary table `_touched` (which holds
every chain of the years a publish touches), by difference only, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from darien import contract
from load import schema
from load.warehouse import WarehouseError

SLICE = ("year", "breakdown")  # what a current row belongs to
CHAIN = (*SLICE, "source_kind")  # what versions are ranked within
VERSION = "source_sha256"
# A year's current rows come from the first kind here that gives the year a slice.
PRECEDENCE = "CASE {0}.source_kind " + " ".join(
    f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(contract.SOURCE_KINDS)) + " END"
# Oldest first: the last version of a slice is the one published.
RANKING = ("as_of", "preliminary DESC", "modified_at NULLS FIRST", "first_seen_at NULLS FIRST",
           VERSION)
SET_BY_LOAD = ("load_id", "loaded_at")
DOCUMENT_LINEAGE = ("source_url", VERSION, "pipeline_version", "source_kind")  # one value for all a document's rows
COPY_CHUNK = 100_000  # rows per CSV chunk sent to PostgreSQL's COPY
TEMP_TABLES = ("_touched", "_ranks", "_refresh", "_history", "_continued", "_changes", "_fresh")


@dataclass(frozen=True)
class Figures:
    """A figures table derived from version rows: its versions' slices and rows, current and history tables, and its cell within a slice."""

    slices: sa.Table
    rows: sa.Table
    current: sa.Table
    history: sa.Table
    cell: tuple[str, ...]
    values: tuple[str, ...] = ("persons", "label", "note")  # a change in any one is a revision

    @property
    def key(self) -> tuple[str, ...]:
        """A version row's (and a history row's) cell within its chain."""
        return (*CHAIN, *self.cell)

    @property
    def current_key(self) -> tuple[str, ...]:
        """The current table's key: one row per cell, of whichever kind is current."""
        return (*SLICE, *self.cell)

    @property
    def row_lineage(self) -> tuple[str, ...]:
        """Columns a version's row carries beside its key and values (its table and page)."""
        taken = {VERSION, *self.key, *self.values}
        return tuple(c.name for c in self.rows.columns if c.name not in taken)


TRANSIT = Figures(schema.slices, schema.version_rows, schema.transit, schema.history, cell=("month", "category"))
ANNUAL = Figures(schema.annual_slices, schema.annual_version_rows, schema.transit_annual, schema.annual_history,
                 cell=("category",))


def _on(a: str, b: str, columns) -> str:
    return " AND ".join(f"{a}.{c} = {b}.{c}" for c in columns)


def _same(table: sa.Table, a: str, b: str, columns) -> str:
    """SQL: `a` and `b` agree on `columns` (NULL equal to NULL where the column allows it)."""
    return " AND ".join(f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" if table.c[c].nullable
                        else f"{a}.{c} = {b}.{c}" for c in columns)


def _differs(f: Figures, a: str, b: str) -> str:
    return "(" + " OR ".join(f"{a}.{c} IS DISTINCT FROM {b}.{c}" for c in f.values) + ")"


def _ranked(f: Figures, within: str) -> str:
    """SQL: the versions of the chains in table `within`, with their rank in the chain (1 the oldest), the
    chain's count, and `chosen`: whether their kind is the one current for their year among `within`'s chains."""
    part = ", ".join(f"s.{c}" for c in CHAIN)
    order = ", ".join(f"s.{c}" for c in RANKING)
    precedence = PRECEDENCE.format("s")
    return (f"SELECT s.*, ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY {order}) AS version_rank,"
            f" COUNT(*) OVER (PARTITION BY {part}) AS versions,"
            f" {precedence} = MIN({precedence}) OVER (PARTITION BY s.year) AS chosen"
            f" FROM {f.slices.name} s JOIN {within} t ON {_on('s', 't', CHAIN)}")


def touch(conn: sa.Connection, f: Figures, chains: list[tuple]) -> None:
    """Create `_touched`: the chains (year, breakdown, source_kind) a publish changes, and every other chain of their years.

    A year's current kind is chosen among all its chains, so all of them are ranked.
    """
    conn.exec_driver_sql("CREATE TEMP TABLE _touched (year INTEGER, breakdown VARCHAR, source_kind VARCHAR)")
    insert_rows(conn, "_touched", chains)
    years = sorted({int(year) for year, *_ in chains})
    if years:
        conn.exec_driver_sql(
            f"INSERT INTO _touched SELECT DISTINCT {', '.join('s.' + c for c in CHAIN)} FROM {f.slices.name} s"
            f" WHERE s.year IN ({', '.join(map(str, years))})"
            f" AND NOT EXISTS (SELECT 1 FROM _touched t WHERE {_on('s', 't', CHAIN)})")


def insert_rows(conn: sa.Connection, table: str, rows: list[tuple]) -> None:
    """Insert `rows` (tuples, as many values as `table` has columns) into a small table by bound parameters."""
    if not rows:
        return
    values = ", ".join("(" + ", ".join(f":v{i}_{j}" for j in range(len(row))) + ")" for i, row in enumerate(rows))
    params = {f"v{i}_{j}": value.item() if hasattr(value, "item") else value
              for i, row in enumerate(rows) for j, value in enumerate(row)}
    conn.execute(sa.text(f"INSERT INTO {table} VALUES {values}"), params)


@dataclass
class Tops:
    """The top version of each touched chain, and the version whose rows are current in each slice."""

    chains: dict[tuple, str]  # (year, breakdown, source_kind) -> sha256
    current: dict[tuple, str]  # (year, breakdown) -> sha256


def _tops(conn: sa.Connection, ranked: str) -> Tops:
    found = conn.exec_driver_sql(
        f"SELECT year, breakdown, source_kind, {VERSION}, chosen FROM {ranked} r"
        " WHERE version_rank = versions").all()
    return Tops({(year, breakdown, kind): sha for year, breakdown, kind, sha, _ in found},
                {(year, breakdown): sha for year, breakdown, _, sha, chosen in found if chosen})


def tops(conn: sa.Connection, f: Figures) -> Tops:
    """The touched chains' tops and the touched slices' current versions, as the slices table stands now."""
    return _tops(conn, f"({_ranked(f, '_touched')})")


def rank(conn: sa.Connection, f: Figures) -> Tops:
    """Rank the touched chains' versions into `_ranks`; return their tops and the current versions."""
    conn.exec_driver_sql(f"CREATE TEMP TABLE _ranks AS {_ranked(f, '_touched')}")
    return _tops(conn, "_ranks")


def _years(conn: sa.Connection, alias: str) -> str:
    """SQL: `alias`.year within the touched years, as literals: DuckDB then skips row groups by their zone maps."""
    low, high = conn.exec_driver_sql("SELECT MIN(year), MAX(year) FROM _touched").one()
    return "FALSE" if low is None else f"{alias}.year BETWEEN {int(low)} AND {int(high)}"


def _version_rows(f: Figures, years: str = "TRUE") -> str:
    """SQL: every row of every ranked version, with the version's rank and its slice's count."""
    columns = ", ".join(f"v.{c}" for c in (*f.key, *f.values, *f.row_lineage))
    return (f"SELECT {columns}, r.version_rank, r.versions FROM {f.rows.name} v"
            f" JOIN _ranks r ON {_on('v', 'r', (*CHAIN, VERSION))} WHERE {years}")


def _current_select(f: Figures, columns: list[str], within: str) -> str:
    """SQL: the current rows of the slices (year, breakdown) in `within`: the current kind's top version's cells with its lineage."""
    rows = {c.name for c in f.rows.columns} - {VERSION}
    exprs = []
    for c in columns:
        if c == "loaded_at":
            exprs.append("CAST(:now AS TIMESTAMP WITH TIME ZONE) AS loaded_at")
        else:
            exprs.append(f"{'v' if c in rows else 'r'}.{c}")
    return (f"SELECT {', '.join(exprs)} FROM {f.rows.name} v"
            f" JOIN _ranks r ON {_on('v', 'r', (*CHAIN, VERSION))}"
            f" JOIN {within} t ON {_on('r', 't', SLICE)} WHERE r.version_rank = r.versions AND r.chosen")


def _history_select(f: Figures, columns: list[str], years: str = "TRUE") -> str:
    """SQL: the history of the ranked slices, one row per change point of a cell.

    A cell's change points are the versions where its value differs from the version ranked
    just before (or it appears), and the versions where it disappears; a value lasts until
    the cell's next change point, whose version ends it. Window functions over each cell's
    versions find them in one pass (a self-join of the rows cost PostgreSQL a nested loop).
    """
    key, carried = f.key, (*f.values, *f.row_lineage)
    cell = f"PARTITION BY {', '.join(key)} ORDER BY version_rank"
    before = ", ".join(f"LAG({c}) OVER ({cell}) AS before_{c}" for c in f.values)
    changed = " OR ".join(f"before_{c} IS DISTINCT FROM {c}" for c in f.values)
    around = (f"SELECT v.*, LAG(version_rank) OVER ({cell}) AS before_rank,"
              f" LEAD(version_rank) OVER ({cell}) AS after_rank, {before} FROM v")
    points = (
        f"SELECT {', '.join((*key, *carried))}, version_rank, TRUE AS present FROM around"
        f" WHERE before_rank IS NULL OR before_rank < version_rank - 1 OR {changed}"
        " UNION ALL"
        f" SELECT {', '.join(key)}, {', '.join('NULL' for _ in carried)}, version_rank + 1, FALSE"
        " FROM around WHERE version_rank < versions"
        "  AND (after_rank IS NULL OR after_rank > version_rank + 1)"
    )
    ends = f"SELECT x.*, LEAD(x.version_rank) OVER ({cell}) AS next_rank FROM points x"
    special = {"valid_from": "r.as_of", "valid_to": "e.as_of", "ended_by": f"e.{VERSION}"}
    exprs = [special.get(c) or (f"x.{c}" if c in (*key, *carried) else f"r.{c}") for c in columns]
    exprs = [f"{e} AS {c}" for e, c in zip(exprs, columns)]
    return (f"WITH v AS ({_version_rows(f, years)}), around AS ({around}), points AS ({points}),"
            f" ends AS ({ends})"
            f" SELECT {', '.join(exprs)} FROM ends x"
            f" JOIN _ranks r ON {_on('r', 'x', CHAIN)} AND r.version_rank = x.version_rank"
            f" LEFT JOIN _ranks e ON {_on('e', 'x', CHAIN)} AND e.version_rank = x.next_rank"
            " WHERE x.present")


def _derived_columns(table: sa.Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in SET_BY_LOAD]


@dataclass
class Counts:
    """How the current table changed over the refreshed slices: cells added, revised, dropped, kept."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def refresh_current(conn: sa.Connection, f: Figures, slices: list[tuple], now: datetime) -> Counts:
    """Make the current rows of `slices` their top versions' cells; count the difference.

    `slices` (year, breakdown) are those whose current version changes, or is the publishing one
    before or after: in each, every row's lineage changes (another version, or the same under
    another pipeline version), so replacing the slice writes exactly the difference. Delete and insert measured faster than
    an UPDATE on both databases (issue 7).
    """
    counts = Counts()
    if not slices:
        return counts
    conn.exec_driver_sql("CREATE TEMP TABLE _refresh (year INTEGER, breakdown VARCHAR)")
    insert_rows(conn, "_refresh", slices)
    desired = _current_select(f, list(f.current_key) + list(f.values), "_refresh")
    held = (f"SELECT {', '.join('c.' + c for c in (*f.current_key, *f.values))} FROM {f.current.name} c"
            f" JOIN _refresh t ON {_on('c', 't', SLICE)}")
    if conn.exec_driver_sql(f"{held} LIMIT 1").first() is None:
        counts.inserted = conn.execute(sa.text(f"SELECT COUNT(*) FROM ({desired}) d"),
                                       {"now": now}).scalar()
    else:
        both = f"c.year IS NOT NULL AND d.year IS NOT NULL"
        found = conn.execute(sa.text(
            "SELECT SUM(CASE WHEN c.year IS NULL THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {both} AND {_differs(f, 'c', 'd')} THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN d.year IS NULL THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN {both} AND NOT {_differs(f, 'c', 'd')} THEN 1 ELSE 0 END)"
            f" FROM ({held}) c FULL JOIN ({desired}) d ON {_on('c', 'd', f.current_key)}"), {"now": now}).one()
        counts = Counts(*(int(n or 0) for n in found))
        conn.exec_driver_sql(
            f"DELETE FROM {f.current.name} WHERE EXISTS (SELECT 1 FROM _refresh t"
            f" WHERE {_on(f.current.name, 't', SLICE)})")
    columns = [c.name for c in f.current.columns]
    conn.execute(sa.text(f"INSERT INTO {f.current.name} ({', '.join(columns)})"
                         f" {_current_select(f, columns, '_refresh')}"), {"now": now})
    return counts


def refresh_history(conn: sa.Connection, f: Figures, load_id: str, now: datetime) -> None:
    """Make the touched slices' history what their ranked versions derive, writing only the difference.

    A stored row that says what it should stays; one whose only change is its end (a version
    slotted in after it) is closed in place and keeps the load that wrote it.
    """
    columns = _derived_columns(f.history)
    name = f.history.name
    conn.exec_driver_sql(f"CREATE TEMP TABLE _history AS"
                         f" {_history_select(f, columns, _years(conn, 'v'))}")
    years = _years(conn, name)
    same = _same(f.history, "d", name, [c for c in columns
                                         if c not in ("valid_from", "valid_to", "ended_by")])
    conn.exec_driver_sql(
        f"UPDATE {name} SET valid_to = d.valid_to, ended_by = d.ended_by FROM _history d"
        f" WHERE {years} AND {same} AND {name}.ended_by IS DISTINCT FROM d.ended_by")
    conn.exec_driver_sql(
        f"DELETE FROM {name} WHERE {years}"
        f" AND EXISTS (SELECT 1 FROM _touched t WHERE {_on(name, 't', CHAIN)})"
        f" AND NOT EXISTS (SELECT 1 FROM _history d WHERE {same})")
    conn.execute(sa.text(
        f"INSERT INTO {name} ({', '.join(columns)}, load_id, loaded_at)"
        f" SELECT {', '.join('d.' + c for c in columns)}, :load_id,"
        " CAST(:now AS TIMESTAMP WITH TIME ZONE) FROM _history d"
        f" WHERE NOT EXISTS (SELECT 1 FROM {name} WHERE {years} AND {same})"),
        {"load_id": load_id, "now": now})


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


def append_top(conn: sa.Connection, f: Figures, frame, sha256: str, previous: dict[tuple, str | None],
               load_id: str, now: datetime) -> Counts:
    """Refresh both tables for a new version that tops every slice it publishes (`previous`: each slice's former top).

    Ranked last, the version changes only the end of each slice's history: a history row for
    each cell it adds or revises, and the end of the open row of each cell it revises or drops.
    Nothing before it is derived again. In a slice no version held before, its rows (`frame`,
    the batch's columns) are written by the bulk paths. In a slice it takes over, the cells it
    adds, revises, drops or moves (another table or page) are found by comparing its rows with
    the former top's; only those current rows are deleted and inserted, the others get the new
    lineage in place (on PostgreSQL a HOT update: darien_transit keeps free room in its pages),
    and a republish of the same figures writes no history at all.
    """
    import pandas as pd

    counts = Counts()
    # The document's own lineage, one value for all its rows (publish checks it), goes as constants.
    by_load = {"load_id": load_id, "loaded_at": now, **{c: frame[c].iloc[0] for c in DOCUMENT_LINEAGE}}
    fresh = [s for s, top in previous.items() if top is None]
    continued = [(s, top) for s, top in previous.items() if top is not None]
    if continued:
        _append_continued(conn, f, sha256, continued, by_load, counts)
    if fresh:  # slices no version held before: every cell is new, and starts a history row
        if len(fresh) == len(previous):
            rows = frame
        else:
            index = pd.MultiIndex.from_frame(frame[list(SLICE)])
            rows = frame[index.isin(pd.MultiIndex.from_tuples(fresh, names=list(SLICE)))]
        counts.inserted += len(rows)
        conn.exec_driver_sql("CREATE TEMP TABLE _fresh (year INTEGER, breakdown VARCHAR)")
        insert_rows(conn, "_fresh", fresh)
        name = f.current.name
        conn.exec_driver_sql(f"DELETE FROM {name} WHERE {_years(conn, name)} AND EXISTS"
                             f" (SELECT 1 FROM _fresh t WHERE {_on(name, 't', SLICE)})")
        bulk_insert(conn, f.current, rows, [c.name for c in f.current.columns if c.name not in by_load],
                    by_load)
        history = [c for c in _derived_columns(f.history) if c not in ("valid_from", "valid_to", "ended_by")]
        if conn.dialect.name == "duckdb":
            bulk_insert(conn, f.history, rows,
                        {**{c: c for c in history if c not in by_load}, "valid_from": "as_of"}, by_load)
        else:
            # PostgreSQL copies the current rows just written, server-side: 3x faster than a
            # second COPY, which parses every value again.
            kept = [*history, *SET_BY_LOAD]
            conn.exec_driver_sql(
                f"INSERT INTO {f.history.name} ({', '.join(kept)}, valid_from)"
                f" SELECT {', '.join(f'{name}.{c}' for c in kept)}, {name}.as_of FROM {name}"
                f" JOIN _fresh t ON {_on(name, 't', SLICE)} WHERE {_years(conn, name)}")
    counts.unchanged = len(frame) - counts.inserted - counts.updated
    return counts


def _append_continued(conn: sa.Connection, f: Figures, sha256: str, continued: list, by_load: dict,
                      counts: Counts) -> None:
    """Refresh the slices a new top version takes over from `continued`'s former tops, by the cells that differ."""
    conn.exec_driver_sql("CREATE TEMP TABLE _continued (year INTEGER, breakdown VARCHAR,"
                         f" previous VARCHAR, {VERSION} VARCHAR, as_of DATE, preliminary BOOLEAN)")
    mine = {(y, b): (a, p) for y, b, a, p in conn.execute(sa.text(
        f"SELECT year, breakdown, as_of, preliminary FROM _ranks WHERE {VERSION} = :sha"), {"sha": sha256})}
    insert_rows(conn, "_continued", [(int(year), str(breakdown), top, sha256, *mine[(year, breakdown)])
                                     for (year, breakdown), top in continued])
    years = _years(conn, "v")
    carried = (*f.values, *f.row_lineage)
    versions = ", ".join(f"'{s}'" for s in sorted({sha256, *(top for _, top in continued)}))

    def side(version: str) -> str:  # only the columns compared or carried: smaller hash tables
        return (f"SELECT {', '.join('v.' + c for c in (*f.key, *carried))} FROM {f.rows.name} v"
                f" JOIN _continued t ON {_on('v', 't', SLICE)} AND v.{VERSION} = t.{version}"
                f" WHERE {years} AND v.{VERSION} IN ({versions})")

    # A cell differs if it is added, dropped, revised (a value differs: a history change point)
    # or only moved (another table or page: its current row changes, its history does not).
    key = ", ".join(f"COALESCE(n.{c}, o.{c}) AS {c}" for c in f.key)
    moved = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in f.row_lineage) or "FALSE"
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE _changes AS SELECT {key}, {', '.join('n.' + c for c in carried)},"
        f" n.{f.key[0]} IS NOT NULL AS present, o.{f.key[0]} IS NOT NULL AS held,"
        f" n.{f.key[0]} IS NOT NULL AND o.{f.key[0]} IS NOT NULL AND {_differs(f, 'n', 'o')} AS revised"
        f" FROM ({side(VERSION)}) n FULL JOIN ({side('previous')}) o ON {_on('n', 'o', f.key)}"
        f" WHERE n.{f.key[0]} IS NULL OR o.{f.key[0]} IS NULL OR {_differs(f, 'n', 'o')} OR {moved}")
    added, revised, dropped, changed = (int(n or 0) for n in conn.exec_driver_sql(
        "SELECT SUM(CASE WHEN present AND NOT held THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN revised THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN held AND NOT present THEN 1 ELSE 0 END), COUNT(*) FROM _changes").one())
    counts.inserted += added
    counts.updated += revised
    counts.deleted += dropped
    load = {"load_id": by_load["load_id"], "now": by_load["loaded_at"]}

    current = f.current.name
    if changed:
        conn.exec_driver_sql(
            f"DELETE FROM {current} WHERE {_years(conn, current)} AND EXISTS (SELECT 1 FROM _changes c"
            f" WHERE c.held AND {_on(current, 'c', f.current_key)})")
    # Every other current row of the slice keeps its cell, values, table and page: new lineage only.
    lineage = {c: f":{c}" for c in DOCUMENT_LINEAGE} | {"as_of": "t.as_of", "preliminary": "t.preliminary",
                                                         "load_id": ":load_id",
                                                         "loaded_at": "CAST(:now AS TIMESTAMP WITH TIME ZONE)"}
    document = {c: by_load[c] for c in DOCUMENT_LINEAGE}
    conn.execute(sa.text(
        f"UPDATE {current} SET {', '.join(f'{c} = {e}' for c, e in lineage.items())} FROM _continued t"
        f" WHERE {_years(conn, current)} AND {_on(current, 't', SLICE)}"), {**document, **load})
    if added or changed - dropped:
        columns = [c.name for c in f.current.columns]
        select = [lineage[c].replace("t.", "r.") if c in lineage else f"c.{c}" for c in columns]
        conn.execute(sa.text(
            f"INSERT INTO {current} ({', '.join(columns)}) SELECT {', '.join(select)}"
            f" FROM _changes c JOIN _ranks r ON {_on('c', 'r', SLICE)} AND r.{VERSION} = :sha"
            " WHERE c.present"), {**document, **load, "sha": sha256})

    history = f.history.name
    if revised or dropped:  # close the open rows of the cells revised or dropped
        conn.exec_driver_sql(
            f"UPDATE {history} SET valid_to = t.as_of, ended_by = t.{VERSION}"
            f" FROM _changes c JOIN _continued t ON {_on('c', 't', SLICE)}"
            f" WHERE {_years(conn, history)} AND (c.revised OR NOT c.present)"
            f" AND {history}.ended_by IS NULL AND {_on(history, 'c', f.key)}")
    if added or revised:
        columns = _derived_columns(f.history)
        exprs = {"valid_from": "r.as_of", "valid_to": "NULL", "ended_by": "NULL"}
        select = [exprs.get(c) or (f"c.{c}" if c in (*f.key, *carried) else f"r.{c}") for c in columns]
        conn.execute(sa.text(
            f"INSERT INTO {history} ({', '.join(columns)}, load_id, loaded_at)"
            f" SELECT {', '.join(select)}, :load_id, CAST(:now AS TIMESTAMP WITH TIME ZONE)"
            f" FROM _changes c JOIN _ranks r ON {_on('c', 'r', SLICE)} AND r.{VERSION} = :sha"
            " WHERE c.revised OR NOT c.held"), {**load, "sha": sha256})


def drop_temp(conn: sa.Connection) -> None:
    for name in TEMP_TABLES:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def migrate(conn: sa.Connection, f: Figures = TRANSIT) -> None:
    """Fill the version rows from a version-6 warehouse alone, then check that they derive its tables.

    A slice's top version's rows are its current rows; any other version's are the history
    rows open at its rank (valid from a version ranked no later, not ended by one ranked no
    later). Any difference between the tables derived from them and the stored ones aborts
    the migration with one line, and the caller's transaction leaves the warehouse as it was.
    """
    drop_temp(conn)
    conn.exec_driver_sql(f"CREATE TEMP TABLE _touched AS SELECT DISTINCT {', '.join(CHAIN)}"
                         f" FROM {f.slices.name}")
    conn.exec_driver_sql("CREATE TEMP TABLE _refresh AS SELECT DISTINCT year, breakdown FROM _touched")
    rank(conn, f)
    rows = [c.name for c in f.rows.columns]
    conn.exec_driver_sql(
        f"INSERT INTO {f.rows.name} ({', '.join(rows)}) SELECT {', '.join('c.' + c for c in rows)}"
        f" FROM {f.current.name} c JOIN _ranks r ON {_on('c', 'r', (*CHAIN, VERSION))}"
        " WHERE r.version_rank = r.versions")
    held = ", ".join(f"h.{c}" if c != VERSION else f"v.{VERSION}" for c in rows)
    conn.exec_driver_sql(
        f"INSERT INTO {f.rows.name} ({', '.join(rows)}) SELECT {held}"
        f" FROM _ranks v JOIN {f.history.name} h ON {_on('h', 'v', CHAIN)}"
        f" JOIN _ranks hr ON {_on('hr', 'h', CHAIN)} AND hr.{VERSION} = h.{VERSION}"
        f" LEFT JOIN _ranks er ON {_on('er', 'h', CHAIN)} AND er.{VERSION} = h.ended_by"
        " WHERE v.version_rank < v.versions AND hr.version_rank <= v.version_rank"
        "  AND (h.ended_by IS NULL OR er.version_rank > v.version_rank)")
    current = _derived_columns(f.current)
    history = _derived_columns(f.history)
    checks = ((f.current.name, _current_select(f, current, "_refresh"), current),
              (f.history.name, _history_select(f, history), history))
    for table, derived, columns in checks:
        stored = f"SELECT {', '.join(columns)} FROM {table}"
        def left_over(a: str, b: str) -> int:
            return conn.exec_driver_sql(f"SELECT COUNT(*) FROM (SELECT * FROM ({a}) a"
                                        f" EXCEPT ALL SELECT * FROM ({b}) b) x").scalar()

        extra, missing = left_over(derived, stored), left_over(stored, derived)
        if extra or missing:
            raise WarehouseError(
                f"migration 7: {table} derived from every version's rows differs from the stored"
                f" table ({missing} stored rows not derived, {extra} derived rows not stored);"
                " nothing was changed, the warehouse stays at version 6")
    drop_temp(conn)

