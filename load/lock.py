"""One writer at a time: a run holds the warehouse's lock from start to end."""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


from load.warehouse import WarehouseError, connect, duckdb_path, is_duckdb, safe_url

POLL_S = 0.2


class WarehouseLocked(WarehouseError):
    """Another run holds the warehouse (the flows exit 75)."""


@contextmanager
def run_lock(url: str, *, wait_s: float = 0) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, waiting up to `wait_s` for another run to let go."""
    path = duckdb_path(url)
    if path is not None:
        with _file_lock(path.with_name(path.name + ".lock"), url, wait_s):
            yield
    elif is_duckdb(url):
        yield  # an in-memory DuckDB belongs to one process
    else:
        with _advisory_lock(url, wait_s):
            yield


def _give_up(url: str, wait_s: float) -> WarehouseLocked:
    return WarehouseLocked(f"{safe_url(url)}: another run holds the warehouse lock"
                           f" (waited {wait_s:g} s)")


@contextmanager
def _file_lock(lock_path, url: str, wait_s: float) -> Iterator[None]:
    # A lock row cannot work in DuckDB: the file itself admits one writing process.
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _give_up(url, wait_s) from None
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(url: str, wait_s: float) -> Iterator[None]:
    """A session-level advisory lock, polled outside any transaction: between polls the waiting
    session is idle, and pg_stat_activity shows `pg_try_advisory_lock` as its last query."""
    engine = connect(url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            where = conn.exec_driver_sql("SELECT current_database() || '.' || current_schema()").scalar()
            digest = hashlib.sha256(f"darien-etl:{where}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            deadline = time.monotonic() + wait_s
            while not conn.exec_driver_sql("SELECT pg_try_advisory_lock(%s)", (key,)).scalar():
                if time.monotonic() >= deadline:
                    raise _give_up(url, wait_s)
                time.sleep(POLL_S)
            try:
                yield
            finally:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(%s)", (key,))
    finally:
        engine.dispose()
