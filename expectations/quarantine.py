"""Keep a failing batch aside, with the reasons, where an operator can read and re-process it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from darien.contract import PIPELINE_VERSION, Batch
from expectations.verdict import Verdict


def quarantine(batch: Batch, verdict: Verdict, quarantine_dir: Path) -> Path:
    """Write `quarantine_dir/<sha256>/` (rows.csv, annual.csv if it has annual rows, reconciliation.csv, validation.json) atomically."""
    quarantine_dir = Path(quarantine_dir)
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    folder = quarantine_dir / batch.source_sha256
    # Build beside the target, then rename: a reader never sees a half-written folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{batch.source_sha256[:12]}-", dir=quarantine_dir))
    try:
        batch.rows.to_csv(staging / "rows.csv", index=False)
        if batch.annual is not None and len(batch.annual):
            batch.annual.to_csv(staging / "annual.csv", index=False)
        batch.reconciliation.to_csv(staging / "reconciliation.csv", index=False)
        report = {
            "source_url": batch.source_url,
            "source_sha256": batch.source_sha256,
            "year": batch.year,
            "as_of": batch.as_of.isoformat() if batch.as_of else None,
            "preliminary": batch.preliminary,
            "pipeline_version": PIPELINE_VERSION,
            **verdict.to_dict(),
        }
        (staging / "validation.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        _replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _replace(staging: Path, folder: Path) -> None:
    """Move `staging` to `folder`, setting aside an earlier quarantine of the same document first."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
    staging.rename(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
