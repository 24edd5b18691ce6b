"""`darien backup`: a consistent copy of a DuckDB warehouse, taken while no run can write."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import load
from export.package import atomic_write
from load.warehouse import duckdb_path


class BackupError(RuntimeError):
    """The warehouse cannot be backed up this way (not a DuckDB file, or missing)."""


def default_name(now: datetime | None = None) -> str:
    """`warehouse-YYYYMMDDTHHMMSSZ.duckdb`: backups sort by when they were taken."""
    return f"warehouse-{(now or datetime.now(timezone.utc)):%Y%m%dT%H%M%SZ}.duckdb"


def backup(url: str, dest: Path, *, wait_s: float = 0) -> Path:
    """Copy the DuckDB warehouse at `url` to `dest` (a file, or a folder to name it in) and return the file."""
    source = duckdb_path(url)
    if source is None:
        raise BackupError(f"{load.safe_url(url)}: not a DuckDB file; back up PostgreSQL with pg_dump "
                          "(e.g. pg_dump -Fc -f darien.dump <database>)")
    if not source.exists():
        raise BackupError(f"{source}: no such warehouse file")
    target = dest / default_name() if dest.is_dir() else dest
    target.parent.mkdir(parents=True, exist_ok=True)
    # Under the run lock no run writes; CHECKPOINT moves the WAL into the file, so the
    # file alone is the whole database when copied.
    with load.run_lock(url, wait_s=wait_s):
        engine = load.connect(url)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")
        finally:
            engine.dispose()
        atomic_write(target, lambda partial: shutil.copy2(source, partial))
    return target
