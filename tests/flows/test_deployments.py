"""Deployments as an operator meets them: `python -m flows.server` serving both, and a process work pool.

One server for the module, started the way `make serve` starts it, from a folder that is not
the checkout. Runs are created through its REST API, as the UI's *Run* button does. Its nightly
fires every minute (DARIEN_NIGHTLY_CRON) into a warehouse of its own; runs created by hand
name their own warehouse, so the two never meet each other's lock.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from tests import snm_documents as snm
from tests.processes import processes
from tests.real_documents import REAL_2022, REAL_2023, pdf_archive
from tests.warehouse import pg_schema, query

pytestmark = pytest.mark.prefect
BIN = Path(sys.executable).parent
TOTALS = {2022: 248_284, 2023: 333_704}  # the Total rows the two PDFs print
ARTIFACTS = {"documents", "warehouse-status", "latest-figures", "exports"}
# The UI's default run filter ("All except scheduled"): Prefect's own state names, and no other.
UI_STATE_NAMES = ["Late", "Resuming", "AwaitingRetry", "AwaitingConcurrencySlot", "Pending", "Paused", "Suspended",
                  "Running", "Retrying", "Completed", "Cached", "Cancelled", "Cancelling", "Crashed", "Failed",
                  "TimedOut"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


class Served:
    """The module's server: its API, where its scheduled nightly writes, what it printed, and the folder runs read."""

    def __init__(self, api: str, scheduled: Path, log: Path, source: Path):
        self.api, self.scheduled, self.log, self.source = api, scheduled, log, source

    def get(self, path: str):
        response = requests.get(f"{self.api}{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict):
        for attempt in range(5):
            response = requests.post(f"{self.api}{path}", json=body, timeout=10)
            if response.status_code != 503:
                break
            time.sleep(1)  # SQLite busy under runs that write to it: the server asks to come back
        response.raise_for_status()
        return response.json()

    def deployment(self, name: str) -> dict:
        return self.get(f"/deployments/name/{name}/{name}")

    def create_run(self, name: str, **parameters) -> str:
        """Create a run of deployment `name` as the *Run* button does; its id."""
        return self.post(f"/deployments/{self.deployment(name)['id']}/create_flow_run",
                         {"parameters": parameters})["id"]

    def finished(self, run_id: str, timeout: float = 240) -> dict:
        return _wait(lambda: (r := self.get(f"/flow_runs/{run_id}"))["state"]["type"]
                     in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") and r,
                     timeout, f"flow run {run_id}", every=1)

    def task_runs(self, run_id: str) -> list[dict]:
        """The flow run's task runs, once every one has ended."""
        def ended():
            runs = self.post("/task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
            # A task run's state may still be unset (None) just after its flow run ended.
            return all(r["state"] and r["state"]["type"] in ("COMPLETED", "FAILED") for r in runs) and runs
        return _wait(ended, 60, f"the task runs of {run_id}")

    def artifacts(self, run_id: str) -> dict[str, str]:
        found = self.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
        return {a["key"]: a["data"] for a in found if a["key"]}

    def errors(self, run_id: str) -> list[str]:
        """The flow run's ERROR log lines (its task runs' included), as the UI's log tab lists them."""
        logs = self.post("/logs/filter", {"logs": {"flow_run_id": {"any_": [run_id]}, "level": {"ge_": 40}},
                                          "sort": "TIMESTAMP_ASC"})
        return [log["message"] for log in logs]


ALERT_PATH = "/services/T000/B000/not-to-be-shown"  # the secret part of a Slack webhook URL


@pytest.fixture(scope="module")
def receiver():
    """Where the module's alerts go: a webhook receiver on 127.0.0.1 (pytest-httpserver)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=_free_port(), threaded=True)
    server.expect_request(ALERT_PATH, method="POST").respond_with_data("ok")
    server.start()
    yield server
    server.clear()
    server.stop()


def _messages(receiver) -> list[str]:
    """The `text` of every alert received so far (each a JSON body, as Slack takes it)."""
    return [request.get_json()["text"] for request, _ in receiver.log]


@pytest.fixture(scope="module")
def served(tmp_path_factory, receiver):
    """`python -m flows.server` on a free port with a PREFECT_HOME of its own, until the module ends.

    With DARIEN_ALERT_WEBHOOK set to the module's receiver: its runs' alerts go there.
    """
    tmp = tmp_path_factory.mktemp("served")
    port = _free_port()
    samples = pdf_archive(tmp / "samples")  # the two real PDFs: 2022 final, 2023 preliminary
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect-home"), "DARIEN_PREFECT_HOST": "127.0.0.1",
           "DARIEN_PREFECT_PORT": str(port), "DARIEN_SOURCE_URL": str(samples),
           "DARIEN_DATA_DIR": str(tmp / "scheduled"),
           "DARIEN_WAREHOUSE_URL": f"duckdb:///{tmp / 'scheduled' / 'warehouse.duckdb'}",
           # The nightly fires every minute; the scheduler and the runner look every 2 s.
           "DARIEN_NIGHTLY_CRON": "* * * * *", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
           "PREFECT_RUNNER_POLL_FREQUENCY": "2", "DARIEN_WORKERS": "2",
           "DARIEN_ALERT_WEBHOOK": receiver.url_for(ALERT_PATH)}
    env.pop("PREFECT_API_URL", None)
    log = tmp / "server.log"
    with open(log, "w") as out:
        # From a folder other than the checkout: the deployments import the installed package.
        proc = subprocess.Popen([sys.executable, "-m", "flows.server"], env=env, cwd=tmp,
                                stdout=out, stderr=subprocess.STDOUT)
    server = Served(f"http://127.0.0.1:{port}/api", tmp / "scheduled", log, samples)
    server.env = env

    def serving():
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            return len(server.post("/deployments/filter", {})) == 2
        except requests.RequestException:
            return False

    children = []
    try:
        _wait(serving, 120, "the server and both deployments")
        children = _children(proc.pid)  # the Prefect server and `darien serve`
        assert len(children) == 2, children
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    # Stopped as a supervisor stops it (SIGTERM), it stops its server and deployments too.
    _wait(lambda: not [pid for pid in children if _alive(pid)], 30, "the server's children to exit")


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return [p.pid for p in processes() if p.ppid == pid]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_registers_nightly_on_the_configured_schedule_and_backfill_on_demand(served):
    nightly, backfill = served.deployment("nightly"), served.deployment("backfill")

    assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["* * * * *"]
    assert [s["schedule"]["timezone"] for s in nightly["schedules"]] == ["America/Panama"]
    # The UI shows the cron without its zone: the description names it.
    assert nightly["description"].endswith("; nightly on cron '* * * * *' (America/Panama) (DARIEN_NIGHTLY_CRON).")
    assert backfill["schedules"] == []
    assert {"from_year", "to_year", "source", "force"} <= set(backfill["parameter_openapi_schema"]["properties"])
    # Module paths: a runner loading flows/nightly.py as a script found flows/report.py for `import report`.
    assert (nightly["entrypoint"], backfill["entrypoint"]) == ("flows.nightly.nightly", "flows.backfill.backfill")
    assert f"runs read {served.source} (DARIEN_SOURCE_URL)" in served.log.read_text()


def test_the_scheduled_nightly_fires_and_completes(served):
    nightly = served.deployment("nightly")

    def started(states=("PENDING", "RUNNING", "COMPLETED", "FAILED", "CRASHED")):
        runs = served.post("/flow_runs/filter", {
            "flow_runs": {"deployment_id": {"any_": [nightly["id"]]}, "state": {"type": {"any_": list(states)}}},
            "sort": "EXPECTED_START_TIME_ASC"})
        return [r for r in runs if r["auto_scheduled"]]

    run = _wait(lambda: next(iter(started()), None), 120, "the first scheduled nightly", every=2)
    # One is enough: pausing deletes the runs still scheduled (this test comes first, so that few
    # minutes' runs start). One may have started already: the warehouse is read once none writes.
    served.post(f"/deployments/{nightly['id']}/pause_deployment", {})
    run = served.finished(run["id"])
    _wait(lambda: not started(("PENDING", "RUNNING")), 240, "the scheduled nightlies to end", every=2)

    _completed_with_artifacts(served, run)
    assert _totals(f"duckdb:///{served.scheduled / 'warehouse.duckdb'}") == TOTALS


def _completed_with_artifacts(served: Served, run: dict) -> dict[str, str]:
    # Prefect's own Completed, its message naming the warnings (the samples' figures are years old).
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["state"]["name"] == "Completed"
    artifacts = served.artifacts(run["id"])
    assert ARTIFACTS <= set(artifacts)
    return artifacts


def _table_rows(markdown: str) -> list[list[str]]:
    """The cells of every table row of a markdown text, headers included (rulers not)."""
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in markdown.splitlines()
            if line.startswith("| ")]


def _totals(warehouse: str) -> dict[int, int]:
    return dict(query(warehouse, "select year, sum(persons) from darien_transit "
                                 "where breakdown = 'total' group by year"))


@pytest.fixture(scope="module")
def launched(served, tmp_path_factory, request):
    """The runs the tests below check, created at once (they run side by side): name -> (run id, warehouse).

    Each has a warehouse and data folder of its own. The PostgreSQL run only when its test is selected.
    """
    tmp = tmp_path_factory.mktemp("launched")
    with ExitStack() as stack:
        warehouses = {"nightly": f"duckdb:///{tmp / 'nightly.duckdb'}",
                      "backfill": f"duckdb:///{tmp / 'backfill.duckdb'}",
                      "nightly-operator": f"duckdb:///{tmp / 'operator.duckdb'}",
                      "nightly-drift": f"duckdb:///{tmp / 'drift.duckdb'}"}
        if any(item.get_closest_marker("postgres") for item in request.session.items
               if item.module is request.module):
            warehouses["nightly-postgres"] = stack.enter_context(pg_schema())
        params = {"nightly": {}, "nightly-postgres": {}, "nightly-operator": {"source": str(_operator_folder(tmp))},
                  "nightly-drift": {"source": str(_drift_folder(tmp))},
                  "backfill": dict(from_year=2023, to_year=2023, source=str(served.source))}
        yield {name: (served.create_run(name.split("-")[0], warehouse=url, data_dir=str(tmp / name),
                                        **params[name]), url, params[name] | {"data_dir": str(tmp / name)})
               for name, url in warehouses.items()}


def test_a_nightly_run_from_the_server_completes_with_its_artifacts(served, launched):
    run_id, warehouse, _ = launched["nightly"]

    artifacts = _completed_with_artifacts(served, served.finished(run_id))

    # The 612 rows the 2022 PDF holds (golden CSV).
    assert ["2022", "loaded", "+612"] in [row[2:] for row in _table_rows(artifacts["documents"])]
    assert _totals(warehouse) == TOTALS
    # Named as published, where the ledger keeps the URL as fetched (TR%C3%81NSITO...).
    for key in ("documents", "warehouse-status"):
        assert "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf" in artifacts[key]
        assert "%C3" not in artifacts[key]
    assert any("%C3%81" in url for (url,) in query(warehouse, "select url from etl_documents"))
    # The chart travels inside the artifact, for the UI's browser, and its file is named.
    chart = re.search(r"!\[Monthly transit by region\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)",
                      artifacts["latest-figures"])
    assert chart and base64.b64decode(chart.group(1)).startswith(b"\x89PNG\r\n")
    assert "transit_by_region.png`" in artifacts["latest-figures"]


@pytest.mark.postgres
def test_a_nightly_run_from_the_server_publishes_into_postgresql(served, launched):
    run_id, warehouse, _ = launched["nightly-postgres"]

    _completed_with_artifacts(served, served.finished(run_id))

    assert _totals(warehouse) == TOTALS


def test_a_backfill_run_from_the_server_publishes_the_years_asked(served, launched):
    run_id, warehouse, _ = launched["backfill"]

    artifacts = _completed_with_artifacts(served, served.finished(run_id))

    assert ["2023", "loaded"] in [row[2:4] for row in _table_rows(artifacts["documents"])]
    assert _totals(warehouse) == {2023: TOTALS[2023]}


def _operator_folder(tmp: Path) -> Path:
    """What an operator may find in a folder: the 2022 and 2023 PDFs, a CRLF-damaged one and one about something else."""
    folder = tmp / "operator"
    folder.mkdir()
    for pdf in (REAL_2022, REAL_2023):
        (folder / pdf.name).write_bytes(pdf.read_bytes())
    # As SNM's August 2024 file reached a public repository: every LF turned into CRLF.
    (folder / "Dar_update.pdf").write_bytes(REAL_2023.read_bytes().replace(b"\n", b"\r\n"))
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(folder / "minutes.pdf"))
    canvas.drawString(72, 760, "Minutes of the board meeting, 3 March 2024.")
    canvas.save()
    return folder


def _drift_folder(tmp: Path) -> Path:
    """A 2025 SNM-like file with a fourth table no parser knows (`Cuadro No. 004 … POR SENTIDO DEL FLUJO`)."""
    folder = tmp / "drift"
    folder.mkdir()
    snm.write_pdf(snm.flow_direction_spec()[0], folder / "IRREGULARES-POR-DARIEN-JUNIO.pdf")
    return folder


def _overlap(a: dict, b: dict) -> bool:
    return a["start_time"] < b["end_time"] and b["start_time"] < a["end_time"]


def _what_the_operator_reads(served: Served, run: dict) -> None:
    """The operator run as the UI shows it: listed, its state saying what went wrong, one ERROR line
    per failure, its warnings and notes apart, and every table within the screen."""
    # Prefect's own Completed, listed by the UI's default filter, its message naming warnings and failures.
    assert run["state"]["name"] == "Completed", run["state"]
    assert re.match(r"Completed with \d+ warnings?: SNM's newest figures .*; see the warnings artifact\. "
                    r"1 failed \(Dar_update\.pdf\), 0 quarantined$", run["state"]["message"]), run["state"]
    listed = served.post("/flow_runs/filter", {"flow_runs": {"state": {"name": {"any_": UI_STATE_NAMES}},
                                                             "id": {"any_": [run["id"]]}}})
    assert [r["id"] for r in listed] == [run["id"]]
    # One ERROR line of ours naming the damaged file, beside Prefect's own "Finished in state Failed(...)".
    errors = _wait(lambda: (lines := served.errors(run["id"])) and any(
        m.startswith("Finished in state Failed('failed: Dar_update.pdf") for m in lines) and lines,
        30, "the damaged file's log lines")
    ours = [m for m in errors if "Dar_update.pdf" in m and not m.startswith("Finished in state ")]
    assert ours == ["Dar_update.pdf failed at parse: no text in the document: line endings converted LF→CRLF "
                    "in a text-mode transfer (no bare LF left); fetch the original again, or convert CRLF back "
                    "to LF"], errors
    assert not [m for m in errors if "DocumentOutcome(" in m or "NoneType" in m], errors
    # The 2022 file's jumps are validation notes, apart from the run's (alerted) warnings.
    artifacts = served.artifacts(run["id"])
    alerted, notes = artifacts["warnings"].split("### validation notes")
    assert alerted.startswith("### run warnings (alerted)") and "SNM's newest figures" in alerted
    assert ("- IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf: month-over-month change in country PER (label 'Perú') "
            "month 11 of 2022: 438 -> 34 (x12.9, beyond factor 10)") in notes.splitlines()
    assert "Perú" not in alerted
    # Every table of every artifact within what the UI shows, and no link a browser cannot open.
    from report.markdown import too_wide

    assert {key: too_wide(markdown) for key, markdown in artifacts.items() if too_wide(markdown)} == {}
    assert [key for key, markdown in artifacts.items() if "file://" in markdown] == []


@pytest.mark.prefect
def test_the_run_graph_shows_each_document_fetched_parsed_validated_and_published(served, launched):
    run_id, warehouse, params = launched["nightly-operator"]
    source = params["source"]

    run = served.finished(run_id)
    tasks = served.task_runs(run_id)

    assert run["state"]["type"] == "COMPLETED", run["state"]
    by_name = {t["name"]: t for t in tasks}
    fetch = by_name[f"fetch {source}"]
    assert {"prepare warehouse", f"discover {source}", "reload dimensions", "export", "checks", "retention",
            "artifacts"} <= set(by_name)
    for year, pdf in ((2022, REAL_2022), (2023, REAL_2023)):
        parse, validate, publish = (by_name[f"parse {pdf.name}"], by_name[f"validate {year}: {pdf.name}"],
                                    by_name[f"publish {year}: {pdf.name}"])
        assert [t["state"]["name"] for t in (parse, validate, publish)] == ["Completed"] * 3
        # Each stage lists the one before it among its inputs: fetch → parse → validate → publish.
        for before, stage in ((fetch, parse), (parse, validate), (validate, publish)):
            assert before["id"] in {i["id"] for inputs in stage["task_inputs"].values() for i in inputs}, stage
    damaged = by_name["parse Dar_update.pdf"]
    assert damaged["state"]["type"] == "FAILED"
    assert damaged["state"]["message"].startswith("failed: Dar_update.pdf: no text in the document")
    # What is wrong, not a list of guesses: its bytes hold CRLF and no bare LF.
    assert "line endings converted LF→CRLF in a text-mode transfer" in damaged["state"]["message"]
    assert "scanned" not in damaged["state"]["message"]
    assert by_name["parse minutes.pdf"]["state"]["name"] == "Completed"
    assert by_name["parse minutes.pdf"]["state"]["message"].startswith("skipped: minutes.pdf: ")
    stages = sorted(t["name"].split(" ", 1)[0] for t in tasks if t["name"].split(" ", 1)[0] in
                    ("parse", "validate", "publish", "quarantine"))
    assert stages == ["parse"] * 4 + ["publish"] * 2 + ["validate"] * 2  # nothing after the damaged one's parse
    assert _totals(warehouse) == TOTALS
    # DARIEN_WORKERS=2: two documents are parsed side by side, and the warehouse written one at a time.
    parses = [t for t in tasks if t["name"].startswith("parse ")]
    writes = [t for t in tasks if t["name"].startswith(("publish ", "quarantine "))]
    assert any(_overlap(a, b) for a in parses for b in parses if a is not b)
    assert len(writes) == 2 and not any(_overlap(a, b) for a in writes for b in writes if a is not b)

    again = served.finished(served.create_run("nightly", warehouse=warehouse, **params))

    assert again["state"]["type"] == "COMPLETED", again["state"]
    # Nothing changed: the run-level tasks alone, and no exports written again.
    assert sorted(t["name"] for t in served.task_runs(again["id"])) == sorted(
        ["prepare warehouse", f"discover {source}", f"fetch {source}", "checks", "retention", "artifacts"])
    _what_the_operator_reads(served, run)  # last: its tables' widths need the report side's tables too


@pytest.mark.prefect
def test_alerts_tell_of_a_failed_document_a_warning_and_a_failed_run_and_of_nothing_else(
        served, launched, receiver, tmp_path):
    operator, warehouse, _ = launched["nightly-operator"]
    served.finished(operator)
    drift = served.finished(launched["nightly-drift"][0])["id"]
    # A run that fails nothing and warns of nothing: `darien run` on the module's server, its
    # figures fresh enough for DARIEN_FRESHNESS_DAYS.
    env = {**served.env, "PREFECT_API_URL": served.api, "DARIEN_FRESHNESS_DAYS": "100000"}
    quiet = subprocess.run([BIN / "darien", "run", "--source", str(pdf_archive(tmp_path / "quiet")),
                            "--warehouse", f"duckdb:///{tmp_path / 'quiet.duckdb'}", "--data-dir",
                            str(tmp_path / "quiet-data")], env=env, capture_output=True, text=True, timeout=240)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    quiet_run = re.search(r"Flow run '([\w-]+)' - Beginning flow run", quiet.stderr).group(1)
    # A run that ends Failed: another process holds its warehouse's lock.
    import load

    with load.run_lock(warehouse):
        locked = served.finished(served.create_run("nightly", warehouse=warehouse,
                                                   data_dir=str(tmp_path / "locked")))
    assert locked["state"]["type"] == "FAILED"
    # Alerts arrive in the order their events do: once the locked run's has come, the quiet run's would have.
    _wait(lambda: any(f"/runs/flow-run/{locked['id']}" in m for m in _messages(receiver)), 60, "the failed run's alert")

    messages = _messages(receiver)
    link = f"\n{served.api.removesuffix('/api')}/runs/flow-run/{operator}"  # PREFECT_UI_URL, set by flows.server
    assert f"nightly run {served.get(f'/flow_runs/{operator}')['name']}: failed Dar_update.pdf (year unknown): " \
           f"Dar_update.pdf: no text in the document" in "\n".join(messages)
    assert [m for m in messages if m.endswith(link) and "failed Dar_update.pdf" in m]
    # The run's warnings, every line of them: the event carries them all.
    assert [m for m in messages if m.endswith(link) and ": completed with 1 warning(s):\n- SNM's newest figures" in m]
    assert [m for m in messages if f"/runs/flow-run/{locked['id']}" in m and ": Failed (WarehouseLocked: " in m]
    # A table the parser does not know: the run's first warning, its alert naming the table.
    title = snm.TITLE.format(number=4, subject="POR SENTIDO DEL FLUJO", year=2025)
    assert [m for m in messages if f"/runs/flow-run/{drift}" in m and " warning(s):\n- IRREGULARES-POR-DARIEN-JUNIO.pdf: "
            f"a table the parser does not know: {title} (rows: Sur - Norte, Norte - Sur)\n" in m]
    assert not [m for m in messages if f" run {quiet_run}: " in m]
    assert ALERT_PATH not in served.log.read_text()  # the URL is a credential: scheme and host only

    # Served again without the variable, the automations and the block are gone.
    env = {**served.env, "PREFECT_API_URL": served.api, "PREFECT_RUNNER_POLL_FREQUENCY": "3600"}
    env.pop("DARIEN_ALERT_WEBHOOK")
    again = subprocess.Popen([BIN / "darien", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    try:
        said = next(line for line in again.stdout if line.startswith("alerts: "))
        assert said == "alerts: none (DARIEN_ALERT_WEBHOOK is unset)\n"
    finally:
        again.terminate()
        again.wait(timeout=60)
    assert served.post("/automations/filter", {}) == []
    assert [b["name"] for b in served.post("/block_documents/filter", {}) if b["name"] == "darien-alerts"] == []


def test_a_process_worker_runs_a_backfill_from_the_work_pool(prefect_harness, tmp_path):
    # On the session's test server, not the module's: there `serve` runs the same deployments
    # (same names, same ids) and its runner would take the pool's runs before the worker did.
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(tmp_path / "home"),
           "DARIEN_DATA_DIR": str(tmp_path / "data"),
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
             "--param", f"source={pdf_archive(tmp_path / 'samples')}"],
            env=env, capture_output=True, text=True, timeout=240,
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: the worker's graceful stop is not under test
            worker.kill()
            worker.wait()

    assert "Completed" in run.stdout, run.stdout[-2000:]
    assert _totals(env["DARIEN_WAREHOUSE_URL"]) == TOTALS
