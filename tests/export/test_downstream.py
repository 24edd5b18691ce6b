"""The run's last steps end to end: exports written, warnings returned, put on the summary and announced."""

from __future__ import annotations

import os
import time

import pytest
from prefect import flow

import load
from darien.config import settings
from operations.retention import RetentionPolicy, prune, retention_policy
from flows.run import RunSummary, final_state
from flows.tasks import after_documents

pytestmark = pytest.mark.prefect


def test_the_last_steps_export_and_warn_of_stale_figures(prefect_harness, duckdb_url, batch_2023, tmp_path):
    cfg = settings(warehouse_url=duckdb_url, data_dir=str(tmp_path / "data"))
    engine = load.connect(cfg.warehouse)
    load.ensure_schema(engine)
    load.publish(engine, batch_2023)
    engine.dispose()
    summary = RunSummary(warehouse=cfg.warehouse, listed={"https://example.org/idx": 0})

    @flow(name="last steps")  # as in a run: its tasks' logs and artifacts belong to a flow run
    def last_steps() -> None:
        after_documents(cfg, summary)

    last_steps()
    warnings = summary.warnings

    assert (cfg.exports_dir / "datapackage.json").is_file()
    assert (cfg.exports_dir / "darien.duckdb").is_file()
    # The 2023 file is as of 31 August 2023: long past the 45-day limit by now.
    assert len(warnings) == 1 and "as of 2023-08-31" in warnings[0]
    state = final_state(summary)
    assert state.name == "Completed" and state.result() is summary
    assert state.message == f"Completed with 1 warning: {warnings[0]}; see the warnings artifact. 0 failed, 0 quarantined"
    assert final_state(RunSummary(warehouse="x")).warnings == []


def test_retention_keeps_raw_forever_by_default_and_prunes_old_quarantine(tmp_path):
    cfg = settings(data_dir=str(tmp_path))
    old = time.time() - 400 * 86400
    for folder in (cfg.raw_dir, cfg.quarantine_dir / "abc123", cfg.docs_dir / "validations" / "s" / "r"):
        folder.mkdir(parents=True)
    (cfg.raw_dir / "abc.pdf").write_bytes(b"%PDF")
    (cfg.docs_dir / "index.html").write_text("site")
    page = cfg.docs_dir / "validations" / "s" / "r" / "page.html"
    page.write_text("old")
    for path in (cfg.raw_dir / "abc.pdf", cfg.quarantine_dir / "abc123", page, cfg.docs_dir / "index.html"):
        os.utime(path, (old, old))

    removed = prune(cfg, retention_policy({}))

    assert removed == [cfg.quarantine_dir / "abc123", page]
    assert (cfg.raw_dir / "abc.pdf").exists() and (cfg.docs_dir / "index.html").exists()
    assert retention_policy({"DARIEN_KEEP_RAW_DAYS": "30", "DARIEN_KEEP_DOCS_DAYS": "forever"}) == \
        RetentionPolicy(raw_days=30, docs_days=None)
