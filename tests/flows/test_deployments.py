"""Deployments on a real, dedicated Prefect server: `darien serve` and a process work pool."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A `prefect server start` of our own, as `make serve` runs it; yields its environment."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": api,
           "PREFECT_SERVER_UI_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen([BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def healthy():
        try:
            return requests.get(f"{api}/health", timeout=1).ok
        except requests.ConnectionError:
            return False

    try:
        _wait(healthy, 60, "the Prefect server")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _deployments(env) -> dict:
    code = (
        "import asyncio, json\n"
        "from prefect.client.orchestration import get_client\n"
        "async def main():\n"
        "    async with get_client() as c:\n"
        "        out = {}\n"
        "        for d in await c.read_deployments():\n"
        "            flow = await c.read_flow(d.flow_id)\n"
        "            out[f'{flow.name}/{d.name}'] = dict(\n"
        "                crons=[s.schedule.cron for s in d.schedules],\n"
        "                timezones=[s.schedule.timezone for s in d.schedules],\n"
        "                parameters=d.parameters, pool=d.work_pool_name,\n"
        "                form=sorted(d.parameter_openapi_schema.get('properties', {})))\n"
        "        print(json.dumps(out))\n"
        "asyncio.run(main())\n"
    )
    import json

    return json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                     text=True, check=True).stdout)


def test_serve_registers_nightly_on_a_schedule_and_backfill_on_demand(server):
    proc = subprocess.Popen([BIN / "darien", "serve"], env=server,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        found = _wait(lambda: (d := _deployments(server)) and len(d) >= 2 and d, 60, "deployments")
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    assert found["nightly/nightly"]["crons"] == ["0 2 * * *"]
    assert found["nightly/nightly"]["timezones"] == ["America/Panama"]
    assert found["backfill/backfill"]["crons"] == []
    assert {"from_year", "to_year", "source", "force"} <= set(found["backfill/backfill"]["form"])


def test_a_process_worker_runs_a_backfill_from_the_work_pool(server, tmp_path, real_2022, real_2023):
    env = {**server, "DARIEN_DATA_DIR": str(tmp_path / "data"),
           "DARIEN_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'warehouse.duckdb'}"}
    subprocess.run([BIN / "prefect", "work-pool", "create", "darien-test", "--type", "process"],
                   env=env, check=True, capture_output=True)
    subprocess.run([BIN / "darien", "deploy", "--work-pool", "darien-test"], env=env, check=True,
                   capture_output=True)
    worker = subprocess.Popen([BIN / "prefect", "worker", "start", "--pool", "darien-test", "--type", "process"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run = subprocess.run(
            [BIN / "prefect", "deployment", "run", "backfill/backfill", "--watch",
             "--param", "from_year=2022", "--param", "to_year=2023",
             "--param", f"source={real_2022.parent}"],
            env=env, capture_output=True, text=True, timeout=240,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert "Completed" in run.stdout, run.stdout[-2000:]
    engine = sa.create_engine(env["DARIEN_WAREHOUSE_URL"], poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        totals = dict(conn.execute(sa.text(
            "select year, sum(persons) from darien_transit where breakdown = 'total' group by year")).all())
    engine.dispose()
    assert totals == {2022: 248_284, 2023: 333_704}  # the Total rows the two PDFs print
