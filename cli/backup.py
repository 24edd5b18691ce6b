"""`darien backup`: the command, for cli/__init__.py to register (`backup.add_parser(sub)`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from darien.config import settings


def add_parser(sub) -> argparse.ArgumentParser:
    """Register `darien backup` on the CLI's subparsers."""
    backup = sub.add_parser("backup", help="a consistent copy of the DuckDB warehouse (PostgreSQL: use pg_dump)")
    backup.add_argument("--warehouse", help="SQLAlchemy URL of the warehouse (DARIEN_WAREHOUSE_URL)")
    backup.add_argument("--data-dir", help="(DARIEN_DATA_DIR)")
    backup.add_argument("--out", help="file or folder to write (default: <data-dir>/backups/)")
    backup.set_defaults(func=cmd_backup)
    return backup


def cmd_backup(args) -> int:
    """Write the copy and print where it is; waits DARIEN_LOCK_WAIT seconds for a running job."""
    from operations.backup import backup

    cfg = settings(warehouse_url=args.warehouse, data_dir=args.data_dir)
    out = Path(args.out) if args.out else cfg.data_dir / "backups"
    if not args.out:
        out.mkdir(parents=True, exist_ok=True)
    target = backup(cfg.warehouse, out, wait_s=cfg.lock_wait_s)
    print(f"wrote {target}")
    return 0
