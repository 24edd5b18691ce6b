"""The scheduler `make test` uses (tests/scheduling.py): a module with a module-scoped fixture stays on one worker."""

from __future__ import annotations

from tests.scheduling import unit


def test_a_module_with_a_module_fixture_is_one_unit_and_other_tests_go_alone(pytestconfig):
    root = pytestconfig.rootpath
    served = "tests/flows/test_deployments.py"  # its served Prefect server is a module fixture
    alone = "tests/load/test_load_publish.py"

    assert unit(f"{served}::test_the_scheduled_nightly_fires_and_completes", root) == served
    assert unit(f"{served}::test_a_backfill_run_from_the_server_publishes_the_years_asked", root) == served
    test = f"{alone}::test_preliminary_then_final[duckdb]"
    assert unit(test, root) == test
