"""`darien backup`: a copy that opens and equals the source; PostgreSQL users are sent to pg_dump."""

from __future__ import annotations

import argparse

import duckdb
import pytest
import sqlalchemy as sa

import load
from cli import backup as backup_command
from operations.backup import BackupError, backup


def _dump(path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as conn:
        names = [r[0] for r in conn.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {n: sorted(conn.sql(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def test_backup_opens_and_equals_the_source(duckdb_url, batch_2023, tmp_path, capsys):
    engine = load.connect(duckdb_url)
    load.ensure_schema(engine)
    load.publish(engine, batch_2023)
    engine.dispose()
    parser = argparse.ArgumentParser()
    backup_command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["backup", "--warehouse", duckdb_url, "--data-dir", str(tmp_path / "data")])

    assert args.func(args) == 0

    written = capsys.readouterr().out.split("wrote ")[1].strip()
    copy = _dump(written)
    source = _dump(sa.make_url(duckdb_url).database)
    assert copy == source
    assert len(copy["darien_transit"]) == 416 and "v_sex_comparable" in copy and "dim_country" in copy


def test_a_held_run_lock_makes_backup_wait_then_give_up(duckdb_url, tmp_path):
    load.ensure_schema(load.connect(duckdb_url))
    with load.run_lock(duckdb_url):
        with pytest.raises(load.WarehouseLocked):
            backup(duckdb_url, tmp_path / "copy.duckdb", wait_s=0.3)
    assert not (tmp_path / "copy.duckdb").exists()


@pytest.mark.postgres
def test_postgresql_is_pointed_to_pg_dump(pg_url, tmp_path):
    with pytest.raises(BackupError, match="pg_dump"):
        backup(pg_url, tmp_path)
