"""How long the pipeline keeps what it writes under the data folder, and the pruning that applies it.

Raw documents are the archive and are kept forever unless DARIEN_KEEP_RAW_DAYS says otherwise.
Exports are replaced in place at each publish and need no pruning; Prefect's own database is
pruned by Prefect's server (see the README's "Retention and backup").
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from darien.config import ConfigError, Settings
from operations.unknown_tables import FOLDER as UNKNOWN_TABLES


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind of file is kept; None keeps it forever."""

    raw_days: int | None = None
    quarantine_days: int | None = 365
    docs_days: int | None = 90
    backups_days: int | None = 90


ENV = {"raw_days": "DARIEN_KEEP_RAW_DAYS", "quarantine_days": "DARIEN_KEEP_QUARANTINE_DAYS",
       "docs_days": "DARIEN_KEEP_DOCS_DAYS", "backups_days": "DARIEN_KEEP_BACKUPS_DAYS"}


def retention_policy(env: Mapping[str, str] = os.environ) -> RetentionPolicy:
    """The policy from DARIEN_KEEP_*_DAYS (a number of days, or `forever`), defaults otherwise."""
    given = {}
    for name, variable in ENV.items():
        raw = env.get(variable, "").strip().lower()
        if not raw:
            continue
        if raw == "forever":
            given[name] = None
        elif raw.isdigit() and int(raw) > 0:
            given[name] = int(raw)
        else:
            raise ConfigError(f"{variable}={raw!r} is not a number of days above 0 or 'forever'")
    return RetentionPolicy(**given)


def _expired(folder: Path, days: int | None, now: float) -> list[Path]:
    if days is None or not folder.is_dir():
        return []
    limit = now - days * 86400
    return sorted(p for p in folder.iterdir() if p.stat().st_mtime < limit)


def prune(cfg: Settings, policy: RetentionPolicy, *, now: float | None = None) -> list[Path]:
    """Delete what the policy no longer keeps (top-level entries of each folder, by age); return them."""
    now = time.time() if now is None else now
    # The unknown tables' rows are kept as long as a quarantined document: both wait for a person.
    folders = {cfg.raw_dir: policy.raw_days, cfg.quarantine_dir: policy.quarantine_days,
               cfg.data_dir / UNKNOWN_TABLES: policy.quarantine_days,
               cfg.data_dir / "backups": policy.backups_days}
    removed = []
    for folder, days in folders.items():
        for path in _expired(folder, days, now):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    # Data Docs: only old validation pages go; the site's index and static files stay.
    validations = cfg.docs_dir / "validations"
    if policy.docs_days is not None and validations.is_dir():
        pages: list[Path] = []
        _prune_pages(validations, now - policy.docs_days * 86400, pages)
        removed += sorted(pages)
    return removed


def _prune_pages(folder: Path, limit: float, removed: list[Path]) -> bool:
    """Delete the pages under `folder` older than `limit`, and the folders left empty; whether `folder` is empty now.

    One pass of os.scandir: the validation pages number thousands, and a quiet night walks them all.
    """
    empty = True
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if _prune_pages(Path(entry.path), limit, removed):
                    os.rmdir(entry.path)
                    continue
            elif entry.is_file() and entry.stat().st_mtime < limit:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
                continue
            empty = False
    return empty
