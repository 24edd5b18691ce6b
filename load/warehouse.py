"""Connecting to the warehouse: DuckDB by default, PostgreSQL in production."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event


class WarehouseError(RuntimeError):
    """The warehouse cannot be used: unreachable, held by another process, or malformed."""


def safe_url(url: str | sa.URL) -> str:
    """The URL as text with any password masked, fit for errors and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<malformed warehouse URL>"


def is_duckdb(engine_or_url: sa.Engine | str) -> bool:
    """Whether the warehouse is a DuckDB (file or in-memory)."""
    url = engine_or_url.url if isinstance(engine_or_url, sa.Engine) else sa.make_url(engine_or_url)
    return url.get_backend_name() == "duckdb"


def duckdb_path(engine_or_url: sa.Engine | str) -> Path | None:
    """The DuckDB database file, or None for an in-memory DuckDB or another backend."""
    url = engine_or_url.url if isinstance(engine_or_url, sa.Engine) else sa.make_url(engine_or_url)
    if url.get_backend_name() != "duckdb" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def connect(url: str) -> sa.Engine:
    """An engine on `url`; for DuckDB without a pool, its folder created and the file checked."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise WarehouseError(f"{safe_url(url)}: not a SQLAlchemy URL") from None
    shown = safe_url(parsed)
    if is_duckdb(url):
        path = duckdb_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # An idle pooled DuckDB connection keeps the file locked against other processes.
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    else:
        engine = sa.create_engine(parsed, pool_pre_ping=True)

    @event.listens_for(engine, "do_connect")
    def _one_line_errors(dialect, conn_rec, cargs, cparams):
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as err:  # the driver's own types differ per backend
            raise WarehouseError(_describe(shown, err, parsed.password)) from None

    if parsed.get_backend_name() == "duckdb":
        with engine.connect():
            pass  # fail now, with one line, if another process holds the file
    return engine


@contextmanager
def connected(url: str) -> Iterator[sa.Engine]:
    """An engine on `url` (see `connect`) for the block, disposed after it."""
    engine = connect(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def kept_open(url: str) -> Iterator[None]:
    """Keep a DuckDB file open for the block (no-op for other backends).

    Every engine `connect` makes in the block then joins the database this process already
    has open instead of reading the file anew: a run's steps each connect on their own.
    """
    if duckdb_path(url) is None:
        yield
        return
    with connected(url) as engine, engine.connect():
        yield


def _describe(shown: str, err: Exception, password: str | None) -> str:
    text = " ".join(str(err).split())
    if "Could not set lock" in text or "Conflicting lock" in text:
        holder = re.search(r"\(PID \d+\)", text)
        return f"{shown}: the DuckDB file is held by another process {holder.group(0) if holder else ''}".rstrip()
    # Driver messages can quote the connection string; never let a password through.
    if password:
        text = text.replace(password, "***")
    return f"{shown}: cannot connect ({text[:300]})"
