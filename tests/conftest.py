"""Fixtures shared by every test: the real documents, and warehouses on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.real_documents import REAL_2022, REAL_2023
from tests.warehouse import pg_schema

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")



@pytest.fixture
def real_2022() -> Path:
    return REAL_2022


@pytest.fixture
def real_2023() -> Path:
    return REAL_2023


@pytest.fixture(scope="session")
def batch_2022():
    """The real 2022 document, parsed once for the session."""
    import transform

    return transform.parse_document(REAL_2022)


@pytest.fixture(scope="session")
def batch_2023():
    """The real 2023 document, parsed once for the session."""
    import transform

    return transform.parse_document(REAL_2023)


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture
def pg_url():
    """A PostgreSQL warehouse URL on a fresh schema of the `test` database, dropped afterwards."""
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path) -> str:
    """The same test on an embedded DuckDB file and on the real PostgreSQL."""
    if request.param == "duckdb":
        return request.getfixturevalue("duckdb_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(warehouse_url):
    """An engine on a fresh warehouse with the schema created, on each backend."""
    import load

    engine = load.connect(warehouse_url)
    load.ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (it takes ~10 s to start).

    Prefect's logging is set up here, once, on the session's stderr: set up inside a test,
    its console handler would write to that test's captured stream, closed after it.
    """
    from prefect.logging.configuration import setup_logging
    from prefect.testing.utilities import prefect_test_harness

    setup_logging()
    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(autouse=True)
def _restore_environment():
    """The CLI, run in-process by tests, hands settings to flows through os.environ: undo that."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
