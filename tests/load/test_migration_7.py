"""Migration 7 on a version-6 warehouse written by the code before publishing became a derivation (tests/fixtures/warehouse_v6.json)."""

from __future__ import annotations

import json
from contextlib import ExitStack, contextmanager

import pytest
import sqlalchemy as sa

import load
from load.migrations import current_version
from tests.load.load_batches import snapshot
from tests.load.publish_sequences import reparsed, three_versions
from tests.warehouse import pg_schema
from tests.load.warehouse_dump import DUMP_V6, restore

TABLES = ("darien_transit", "darien_transit_history", "etl_slices", "etl_documents", "etl_loads")
DUMP_PIPELINE_VERSION = "parser-1+suites-1"  # the pipeline version of the commit that wrote the dump


@pytest.fixture
def v6(warehouse_url):
    engine = load.connect(warehouse_url)
    restore(engine)
    yield engine
    engine.dispose()


def _rows_by_version(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT source_sha256, COUNT(*) FROM etl_version_rows GROUP BY source_sha256")).all())


@pytest.mark.slow
def test_a_version_6_warehouse_migrates_and_derives_its_own_tables(v6, warehouse_url):
    assert current_version(v6) == 6
    before = snapshot(v6, TABLES)
    load.ensure_schema(v6, upto=7)
    assert current_version(v6) == 7
    assert _without_kind(snapshot(v6, TABLES)) == before
    load.ensure_schema(v6)
    # The 2024 versions, published final, July, August: each holds the cells it printed.
    july, august, final = three_versions(year=2024)
    by_version = _rows_by_version(v6)
    assert [by_version[b.source_sha256] for b in (july, august, final)] == [4, 5, 4]
    with v6.connect() as conn:
        versions = conn.execute(sa.text("SELECT COUNT(DISTINCT source_sha256) FROM etl_slices")).scalar()
    assert len(by_version) == versions == 6  # 2022, 2023 preliminary and final, three of 2024

    # Publishing on the migrated warehouse equals publishing the same versions from scratch.
    fixed = reparsed(august, "parser-2+suites-1", {(7, "VEN"): 51})
    stats = load.publish(v6, fixed)
    assert stats.superseded and not stats.noop
    migrated = _year(v6, 2024)
    assert len(migrated["darien_transit_history"]) == 8
    with _fresh_warehouse(warehouse_url) as fresh:
        for batch in (_as_dumped(final), _as_dumped(july), fixed):
            load.publish(fresh, batch)
        assert _year(fresh, 2024) == migrated


def _without_kind(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The snapshot less the source_kind that migration 7 adds as the figures tables' last column, checked to be SNM's."""
    kinds = {r[-1] for t in ("darien_transit", "darien_transit_history", "etl_slices") for r in tables[t]}
    assert kinds == {"snm"}
    return {t: [r[:-1] for r in rows] if t in ("darien_transit", "darien_transit_history", "etl_slices") else rows
            for t, rows in tables.items()}


def _as_dumped(batch):
    """The batch under the pipeline version the dump's commit gave it (the version is part of each row)."""
    batch.rows["pipeline_version"] = DUMP_PIPELINE_VERSION
    return batch


@contextmanager
def _fresh_warehouse(warehouse_url: str):
    """Another empty warehouse on the same backend."""
    with ExitStack() as stack:
        url = (warehouse_url.replace("warehouse.duckdb", "fresh.duckdb") if warehouse_url.startswith("duckdb")
               else stack.enter_context(pg_schema()))
        engine = load.connect(url)
        load.ensure_schema(engine)
        try:
            yield engine
        finally:
            engine.dispose()


def _year(engine, year: int) -> dict[str, list[tuple]]:
    out = snapshot(engine, ("darien_transit", "darien_transit_history"))
    return {table: [r for r in rows if r[0] == year] for table, rows in out.items()}


@pytest.mark.slow
def test_a_warehouse_its_versions_do_not_derive_is_left_at_version_6(warehouse_url, tmp_path):
    # A copy of the dump with one current figure changed behind the history's back: 2024's
    # June VEN, which the final printed as July and August did (100).
    data = json.loads(DUMP_V6.read_text())
    current = data["darien_transit"]
    columns = current["columns"]
    at = {c: i for i, c in enumerate(columns)}
    changed = [row for row in current["rows"] if (row[at["year"]], row[at["month"]], row[at["category"]])
               == (2024, 6, "VEN")]
    assert len(changed) == 1 and changed[0][at["persons"]] == 100
    changed[0][at["persons"]] = 101
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    engine = load.connect(warehouse_url)
    restore(engine, tampered)
    before = snapshot(engine, TABLES)

    with pytest.raises(load.WarehouseError) as caught:
        load.ensure_schema(engine)
    message = str(caught.value)
    assert message == (
        "migration 7: darien_transit_history derived from every version's rows differs from the"
        " stored table (1 stored rows not derived, 2 derived rows not stored); nothing was changed,"
        " the warehouse stays at version 6")
    assert current_version(engine) == 6
    assert snapshot(engine, TABLES) == before
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("etl_version_rows")
    engine.dispose()
