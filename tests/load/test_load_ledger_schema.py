"""The ledger functions, schema creation and migration, and errors that name the warehouse without its password."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import load
from darien.contract import PIPELINE_VERSION, DocumentVersion
from load import ledger
from load.migrations import LATEST, current_version
from load.migrations.tables_v6 import transit  # the shapes steps 1-6 create
from tests.load.load_batches import make_batch, rows, sha

INDEX = "https://www.migracion.gob.pa/estadisticas/"
URL = "https://www.migracion.gob.pa/wp-content/uploads/IRREGULARES-POR-DARIEN-AGOSTO.pdf"


def _fetched(content: str, fetch: str = "downloaded", **kw) -> DocumentVersion:
    return DocumentVersion(url=kw.pop("url", URL), source=INDEX, fetch=fetch, sha256=sha(content),
                           path=Path("/raw") / sha(content), etag=f'"{content}"',
                           content_type="application/pdf", bytes=len(content), kind="pdf",
                           year=2023, **kw)


def test_ledger_versions_and_states(engine):
    ledger.record_fetch(engine, _fetched("v1"))
    first = ledger.get(engine, URL, sha("v1"))
    assert first.status == "new" and first.etag == '"v1"' and first.source == INDEX
    time.sleep(0.01)
    ledger.record_fetch(engine, _fetched("v1", fetch="not_modified"))
    touched = ledger.get(engine, URL, sha("v1"))
    assert touched.first_seen_at == first.first_seen_at
    assert touched.last_checked_at > first.last_checked_at
    assert ledger.first_seen(engine, sha("v1")) == first.first_seen_at
    assert ledger.first_seen(engine, sha("never")) is None

    time.sleep(0.01)
    ledger.record_fetch(engine, _fetched("v2"))  # the same URL re-published with new bytes
    latest = ledger.latest_by_url(engine)
    assert list(latest) == [URL] and latest[URL].sha256 == sha("v2") and latest[URL].etag == '"v2"'
    assert {r.sha256 for r in ledger.pending(engine, PIPELINE_VERSION)} == {sha("v1"), sha("v2")}

    other = "https://www.migracion.gob.pa/wp-content/uploads/resolucion.pdf"
    ledger.record_fetch(engine, DocumentVersion(url=other, source=INDEX, fetch="refused",
                                                error=f"{other}: not a PDF (text/html)"))
    refused = ledger.get(engine, other, ledger.NO_FILE)
    assert refused.status == "refused" and refused.error == f"{other}: not a PDF (text/html)"
    assert ledger.known_count_by_source(engine) == {INDEX: 1}  # the refused URL stored nothing
    assert other not in ledger.latest_by_url(engine)

    ledger.set_status(engine, URL, sha("v1"), "quarantined", error="persons >= 0 failed",
                      pipeline_version=PIPELINE_VERSION, validation={"success": False},
                      docs_url="file:///docs/v1.html", unknown_tables=["Cuadro No. 009"],
                      year=2023, as_of=date(2023, 8, 31), preliminary=True)
    [kept] = ledger.quarantined(engine)
    assert (kept.sha256, kept.error, kept.validation, kept.unknown_tables, kept.as_of) == (
        sha("v1"), "persons >= 0 failed", {"success": False}, ["Cuadro No. 009"], date(2023, 8, 31))
    with pytest.raises(ValueError, match="unknown ledger status"):
        ledger.set_status(engine, URL, sha("v1"), "done")

    batch = make_batch(rows((8, "total", "total", "Total", 81_946)), url=URL, sha256=sha("v2"),
                       as_of=date(2023, 8, 31), preliminary=True)
    load.publish(engine, batch, validation={"success": True}, docs_url="file:///docs/v2.html")
    loaded = ledger.get(engine, URL, sha("v2"))
    assert (loaded.status, loaded.pipeline_version, loaded.docs_url) == (
        "loaded", PIPELINE_VERSION, "file:///docs/v2.html")
    # v1 was quarantined by this very pipeline version: the same bytes would fail again.
    assert ledger.pending(engine, PIPELINE_VERSION) == []
    # A new parser or suite version makes the loaded and the quarantined versions pending again.
    assert {r.sha256 for r in ledger.pending(engine, "parser-2+suites-1")} == {sha("v1"), sha("v2")}
    ledger.record_fetch(engine, _fetched("v3"))
    ledger.set_status(engine, URL, sha("v3"), "failed", error="no table found",
                      pipeline_version="parser-0+suites-1")
    ledger.record_fetch(engine, _fetched("v4"))
    ledger.set_status(engine, URL, sha("v4"), "failed", error="no table found",
                      pipeline_version=PIPELINE_VERSION)
    ledger.record_fetch(engine, _fetched("v5"))  # new: pending whatever the version
    assert [r.sha256 for r in ledger.pending(engine, PIPELINE_VERSION)] == [sha("v3"), sha("v5")]
    assert {r.sha256 for r in ledger.stored(engine)} == {sha(f"v{i}") for i in range(1, 6)}


def test_schema_is_idempotent(warehouse_url):
    engine = load.connect(warehouse_url)
    load.ensure_schema(engine)
    load.ensure_schema(engine)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version")).scalars().all()
        names = set(sa.inspect(conn).get_table_names()) | set(sa.inspect(conn).get_view_names())
    engine.dispose()
    assert versions == list(range(1, LATEST + 1))
    assert {"darien_transit", "darien_transit_history", "etl_documents", "etl_loads",
            "v_monthly_by_region", "v_annual_by_country", "v_latest_as_of"} <= names


def test_migration_from_version_1_keeps_data_and_backs_up_duckdb(warehouse_url):
    engine = load.connect(warehouse_url)
    load.ensure_schema(engine, upto=1)
    ledger.record_fetch(engine, _fetched("v1"))
    assert current_version(engine) == 1
    load.ensure_schema(engine)
    assert current_version(engine) == LATEST
    assert ledger.get(engine, URL, sha("v1")).status == "new"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM v_latest_as_of")).scalar() == 0
    engine.dispose()
    if warehouse_url.startswith("duckdb"):
        path = Path(warehouse_url.removeprefix("duckdb:///"))
        backup = path.with_name(path.name + ".v1.bak")
        assert backup.exists()
        copy = load.connect(f"duckdb:///{backup}")
        assert current_version(copy) == 1
        with copy.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM etl_documents")).scalar() == 1
        copy.dispose()


def test_errors_never_show_the_password(tmp_path):
    url = "postgresql+psycopg://etl:s3cr3t-pw@127.0.0.1:1/warehouse"
    engine = load.connect(url)
    with pytest.raises(load.WarehouseError) as caught:
        with engine.connect():
            pass
    message = str(caught.value)
    assert "s3cr3t-pw" not in message and "etl:***@127.0.0.1:1/warehouse" in message
    assert "\n" not in message
    with pytest.raises(load.WarehouseError, match="not a SQLAlchemy URL"):
        load.connect("not a url")


def test_migrations_4_and_5_drop_keys_and_keep_rows(warehouse_url):
    engine = load.connect(warehouse_url)
    load.ensure_schema(engine, upto=3)
    # Version 3's shapes: history keyed on (cell, version), etl_loads without pipeline_version.
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE darien_transit_history"))
        conn.execute(sa.text(
            "CREATE TABLE darien_transit_history (year INTEGER NOT NULL, month INTEGER NOT NULL,"
            " breakdown VARCHAR NOT NULL, category VARCHAR NOT NULL, persons BIGINT NOT NULL,"
            " label VARCHAR NOT NULL, note VARCHAR, preliminary BOOLEAN NOT NULL, as_of DATE NOT NULL,"
            " valid_from DATE NOT NULL, valid_to DATE, ended_by VARCHAR, source_url VARCHAR NOT NULL,"
            " source_sha256 VARCHAR NOT NULL, source_table VARCHAR NOT NULL,"
            " source_page INTEGER NOT NULL, pipeline_version VARCHAR NOT NULL,"
            " load_id VARCHAR NOT NULL, loaded_at TIMESTAMP WITH TIME ZONE NOT NULL,"
            " PRIMARY KEY (year, month, breakdown, category, source_sha256))"))
        conn.execute(sa.text("ALTER TABLE etl_loads DROP COLUMN pipeline_version"))
        conn.execute(sa.text(
            "INSERT INTO darien_transit_history VALUES (2023, 8, 'total', 'total', 81946, 'Total',"
            " NULL, TRUE, DATE '2023-08-31', DATE '2023-08-31', NULL, NULL, 'u', :s, 'Cuadro', 1,"
            " :pv, 'l1', CURRENT_TIMESTAMP)"), {"s": sha("v1"), "pv": PIPELINE_VERSION})
        conn.execute(sa.text(
            "INSERT INTO etl_slices VALUES (2023, 'total', :s, 'u', DATE '2023-08-31', TRUE, NULL,"
            " NULL, :pv, 'l1')"), {"s": sha("v1"), "pv": PIPELINE_VERSION})
        # The current row too: migration 7 checks that the tables derive from the versions' rows.
        conn.execute(sa.text(
            "INSERT INTO darien_transit VALUES (2023, 8, 'total', 'total', 'Total', 81946, NULL,"
            " TRUE, DATE '2023-08-31', 'u', :s, 'Cuadro', 1, :pv, 'l1', CURRENT_TIMESTAMP)"),
            {"s": sha("v1"), "pv": PIPELINE_VERSION})
        conn.execute(sa.text(
            "INSERT INTO etl_loads VALUES ('l1', NULL, 'u', :s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
            " 1, 0, 0, 0, FALSE)"), {"s": sha("v1")})
    load.ensure_schema(engine)
    assert current_version(engine) == LATEST
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT pipeline_version FROM etl_loads")).scalar() == PIPELINE_VERSION
        # A second row for the same (cell, version) is accepted now: publish keeps them apart.
        conn.execute(sa.text(
            "INSERT INTO darien_transit_history SELECT * FROM darien_transit_history"))
        assert conn.execute(sa.text("SELECT COUNT(*) FROM darien_transit_history")).scalar() == 2
    engine.dispose()


def test_duckdb_current_table_loses_its_key_and_keeps_rows_and_views(duckdb_url):
    engine = load.connect(duckdb_url)
    load.ensure_schema(engine, upto=4)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE darien_transit"))
        conn.execute(sa.text(str(sa.schema.CreateTable(transit).compile(
            dialect=postgresql.dialect()))))  # version 4's shape: keyed
        conn.execute(sa.text(
            "INSERT INTO darien_transit VALUES (2023, 8, 'total', 'total', 'Total', 81946, NULL,"
            " TRUE, DATE '2023-08-31', 'u', 's', 'Cuadro', 1, 'pv', 'l1', CURRENT_TIMESTAMP)"))
        # Its version and history, which migration 7 checks the current row against.
        conn.execute(sa.text(
            "INSERT INTO etl_slices VALUES (2023, 'total', 's', 'u', DATE '2023-08-31', TRUE, NULL,"
            " NULL, 'pv', 'l1')"))
        conn.execute(sa.text(
            "INSERT INTO darien_transit_history VALUES (2023, 8, 'total', 'total', 81946, 'Total',"
            " NULL, TRUE, DATE '2023-08-31', DATE '2023-08-31', NULL, NULL, 'u', 's', 'Cuadro', 1,"
            " 'pv', 'l1', CURRENT_TIMESTAMP)"))
        assert conn.execute(sa.text(
            "SELECT COUNT(*) FROM duckdb_constraints() WHERE table_name = 'darien_transit'"
            " AND constraint_type = 'PRIMARY KEY'")).scalar() == 1
    load.ensure_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT COUNT(*) FROM duckdb_constraints() WHERE table_name = 'darien_transit'"
            " AND constraint_type = 'PRIMARY KEY'")).scalar() == 0
        assert conn.execute(sa.text("SELECT persons FROM v_latest_as_of JOIN darien_transit"
                                    " USING (year) WHERE month = 8")).scalar() == 81_946
    engine.dispose()


def test_a_crawl_is_recorded_in_one_call(engine):
    other = URL.replace("AGOSTO", "SEPTIEMBRE")
    ledger.record_fetches(engine, [_fetched("v1"), _fetched("v9", url=other)])
    before = {r.url: r.last_checked_at for r in ledger.stored(engine)}
    time.sleep(0.01)

    ledger.record_fetches(engine, [_fetched("v1", fetch="not_modified"),
                                   _fetched("v9", url=other, fetch="not_modified"),
                                   _fetched("x", fetch="refused", error=f"{URL}: refused: not a PDF")])

    after = {r.url: r.last_checked_at for r in ledger.stored(engine)}
    assert set(after) == {URL, other} and all(after[u] > before[u] for u in after)
    assert [r.status for r in ledger.stored(engine)] == ["new", "new"]
    refused = ledger.get(engine, URL, ledger.NO_FILE)
    assert refused.status == "refused" and refused.error == f"{URL}: refused: not a PDF"
