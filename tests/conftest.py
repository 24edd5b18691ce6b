"""Fixtures shared by every test: the real documents, and warehouses on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import postgres, prefect_server
from tests.real_documents import REAL_2022, REAL_2023
from tests.warehouse import pg_schema

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
# The test servers keep their state in SQLite. With three workers on two busy cores a write
# can wait more than Prefect's default 10 s for the lock ("database is locked" ended a run).
os.environ.setdefault("PREFECT_SERVER_DATABASE_TIMEOUT", "60")
# One document in flight per run: each run then forks one parser and one validator instead of
# two each (Great Expectations is imported once per process, by the validators' forkserver).
# The tests of runs side by side set DARIEN_WORKERS=2 themselves (tests/flows/test_deployments.py,
# tests/reliability), as does the bench.
os.environ["DARIEN_WORKERS"] = "1"

# Fixtures that reach a server: a test using one must carry the server's marker, so that
# `-m "not postgres"` or `-m "not prefect"` leaves out every test that needs it.
SERVER_FIXTURES = {"pg_url": "postgres", "prefect_harness": "prefect", "prefect_api": "prefect"}


def pytest_configure(config):
    """Choose the session's PostgreSQL once, in the controlling process; workers inherit it.

    The controller also makes the folder its workers share (the session's Prefect server's).
    """
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller chose
        return
    url, config._darien_pg_shown, config._darien_pg_private = postgres.choose()
    os.environ["DARIEN_TEST_PG"] = url
    prefect_server.clean_up_after_killed_sessions()
    os.environ["DARIEN_TEST_SESSION_DIR"] = config._darien_session = prefect_server.new_session_dir()
    os.environ["DARIEN_TEST_CONTROLLER"] = str(os.getpid())


def pytest_unconfigure(config):
    session = getattr(config, "_darien_session", None)
    if session is not None:
        prefect_server.stop(Path(session))
        shutil.rmtree(session, ignore_errors=True)
    server = getattr(config, "_darien_pg_private", None)
    if server is not None:
        server.stop()


def pytest_report_header(config):
    if not hasattr(config, "workerinput"):  # the controller's header; workers print none
        return f"postgresql: {config._darien_pg_shown}"
    return None


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config, log):
    """`--dist load` spreads tests one by one but keeps a module with a module-scoped fixture on one worker."""
    if config.getvalue("dist") == "load":
        from tests.scheduling import ModulesWithTheirFixtures

        return ModulesWithTheirFixtures(config, log)
    return None


def pytest_collection_modifyitems(config, items):
    """A test that uses a server's fixture without the server's marker is an error, not a hang.

    Modules with tests that drive Prefect runs come first, each kept whole (its module fixtures
    are built once): they are the long ones, and the short ones fill the workers' gaps at the
    end instead of a long one starting last.
    """
    unmarked = sorted(
        f"{item.nodeid} uses {fixture} but is not marked {marker}"
        for item in items
        for fixture, marker in SERVER_FIXTURES.items()
        if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(marker) is None
    )
    if unmarked:
        raise pytest.UsageError("; ".join(unmarked))
    with_runs = {item.module for item in items if item.get_closest_marker("prefect")}
    items.sort(key=lambda item: item.module not in with_runs)


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


@pytest.fixture(scope="session")
def nat_batch():
    """The re-publication's nationality file (irreg_darien_nat.rda), read once for the session."""
    from tests.republication import NAT, republication_batch

    return republication_batch(NAT)


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
    """The session's one temporary Prefect server (tests/prefect_server.py), as this process's API.

    Prefect's logging is set up here, once, on the session's stderr: set up inside a test,
    its console handler would write to that test's captured stream, closed after it.
    """
    import prefect.context
    from prefect.events.worker import EventsWorker
    from prefect.logging.configuration import setup_logging
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests import prefect_server

    setup_logging()
    with temporary_settings(updates={PREFECT_API_URL: prefect_server.shared()}), \
            prefect.context._temporary_global_settings_context(prefect.context.get_settings_context()):
        yield
        # Send the logs and events this process still holds while the server is up, as
        # prefect_test_harness does: a run without xdist stops it before the process exits.
        APILogWorker.drain_all()
        EventsWorker.drain_all()


@pytest.fixture(autouse=True)
def _restore_environment():
    """The CLI, run in-process by tests, hands settings to flows through os.environ: undo that."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
