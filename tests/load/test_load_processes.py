"""Real processes: a publish killed part-way, a second run against the lock, a DuckDB file held open."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import uuid

import pytest
import sqlalchemy as sa

import load
from tests.load.load_batches import snapshot

CHILD = Path(__file__).with_name("load_child.py")


def _start(tmp_path: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    marker = tmp_path / f"marker-{time.monotonic_ns()}"
    argv = [sys.executable, str(CHILD), *[a.replace("MARKER", str(marker)) for a in args]]
    extra = {k: v.replace("MARKER", str(marker)) for k, v in (env or {}).items()}
    child = subprocess.Popen(argv, env={**os.environ, **extra}, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not marker.exists():
        if child.poll() is not None:
            raise AssertionError(f"child exited {child.returncode}: {child.stderr.read().decode()}")
        assert time.monotonic() < deadline, "child never reached its pause point"
        time.sleep(0.05)
    return child, marker


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    child.stderr.close()


@pytest.mark.slow
@pytest.mark.parametrize("point", ["staged", "published"])
def test_killed_publish_leaves_previous_contents(warehouse_url, engine, prelim_2023, final, tmp_path, point):
    load.publish(engine, prelim_2023)
    before = snapshot(engine, ("darien_transit", "darien_transit_history", "etl_slices",
                               "etl_documents", "etl_loads"))
    pickled = tmp_path / "final.pickle"
    pickled.write_bytes(pickle.dumps(final))
    engine.dispose()

    child, marker = _start(tmp_path, "publish", warehouse_url, str(pickled),
                           env={"DARIEN_LOAD_PAUSE_AT": f"{point}:MARKER"})
    _kill(child)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(engine, ("darien_transit", "darien_transit_history", "etl_slices",
                             "etl_documents", "etl_loads")) == before

    stats = load.publish(engine, final)
    assert not stats.noop and stats.updated == 11
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(DISTINCT source_sha256) FROM darien_transit")).scalar() == 1
        assert conn.execute(sa.text("SELECT COUNT(*) FROM etl_loads")).scalar() == 2


def test_second_run_gets_warehouse_locked(warehouse_url, tmp_path):
    child, _ = _start(tmp_path, "lock", warehouse_url, "MARKER")
    try:
        with pytest.raises(load.WarehouseLocked, match="another run holds the warehouse lock"):
            with load.run_lock(warehouse_url):
                pass
        started = time.monotonic()
        with pytest.raises(load.WarehouseLocked):
            with load.run_lock(warehouse_url, wait_s=0.6):
                pass
        assert time.monotonic() - started >= 0.6
    finally:
        _kill(child)
    # The killed holder let go; now this process holds it and another one is refused.
    with load.run_lock(warehouse_url, wait_s=5):
        other = subprocess.run([sys.executable, "-c", (
            "import sys; sys.path.insert(0, %r); import load\n"
            "with load.run_lock(%r): pass") % (str(CHILD.parents[2]), warehouse_url)],
            capture_output=True, text=True)
    assert other.returncode == 1 and "WarehouseLocked" in other.stderr


def test_duckdb_file_held_by_another_process(duckdb_url, tmp_path):
    path = duckdb_url.removeprefix("duckdb:///")
    child, _ = _start(tmp_path, "hold", path, "MARKER")
    try:
        with pytest.raises(load.WarehouseError) as caught:
            load.connect(duckdb_url)
    finally:
        _kill(child)
    message = str(caught.value)
    assert "held by another process" in message and path in message and "\n" not in message
    load.connect(duckdb_url).dispose()  # free again once the holder is gone


@pytest.mark.postgres
def test_postgres_backend_terminated_mid_publish(pg_url, prelim_2023, final, tmp_path):
    engine = load.connect(pg_url)
    load.ensure_schema(engine)
    load.publish(engine, prelim_2023)
    tables = ("darien_transit", "darien_transit_history", "etl_slices", "etl_documents", "etl_loads")
    before = snapshot(engine, tables)
    pickled = tmp_path / "final.pickle"
    pickled.write_bytes(pickle.dumps(final))
    # Named so that only this child's backend is terminated, whatever else uses the server.
    name = f"darien-fault-{uuid.uuid4().hex[:8]}"
    child, marker = _start(tmp_path, "publish", f"{pg_url}&application_name={name}", str(pickled),
                           env={"DARIEN_LOAD_PAUSE_AT": "published:MARKER"})
    try:
        with engine.connect() as conn:
            # Paused after every write of the final, inside its transaction.
            assert conn.execute(sa.text(
                "SELECT state FROM pg_stat_activity WHERE application_name = :n"), {"n": name}
            ).scalar() == "idle in transaction"
            assert conn.execute(sa.text(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = :n"), {"n": name}).scalar() == 1
        marker.unlink()  # let the child go on, on its dead connection
        child.wait(timeout=30)
        stderr = child.stderr.read().decode()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stderr.close()
    assert child.returncode == 1
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"load.warehouse.WarehouseError: {final.source_url}: the warehouse"
                           " connection was lost while publishing, nothing was applied")
    assert snapshot(engine, tables) == before

    stats = load.publish(engine, final)  # the retry
    assert not stats.noop and stats.updated == 11
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM etl_loads")).scalar() == 2
        assert conn.execute(sa.text(
            "SELECT COUNT(*) FROM darien_transit WHERE source_sha256 <> :s"), {"s": final.source_sha256}
        ).scalar() == 0
    engine.dispose()
