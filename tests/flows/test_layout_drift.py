"""Layout drift in a run: a table the parser does not know is a warning of the run that first reads its version."""

from __future__ import annotations

import pytest

from flows.nightly import nightly
from flows.reprocess import reprocess
from tests import snm_documents as snm

pytestmark = pytest.mark.prefect

NAME = "IRREGULARES-POR-DARIEN-JUNIO.pdf"
ALREADY = " (recorded for this version before: not warned of again)"


def _logs_and_artifacts(flow_run_id) -> tuple[list[tuple[int, str]], dict[str, str]]:
    """The flow run's log lines (level, message), its tasks' included, and its artifacts by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, LogFilter,
                                                LogFilterFlowRunId)
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=5)  # the logs are sent in batches, in the background
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return [(log.level, log.message) for log in logs], {a.key: a.data for a in artifacts}


def test_an_unknown_table_is_warned_of_once_logged_kept_and_shown(prefect_harness, duckdb_url, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("DARIEN_WORKERS", "2")
    spec, flow = snm.flow_direction_spec()
    folder = tmp_path / "source"
    folder.mkdir()
    snm.write_pdf(spec, folder / NAME)
    title = snm.TITLE.format(number=4, subject="POR SENTIDO DEL FLUJO", year=2025)
    line = f"{NAME}: a table the parser does not know: {title} (rows: Sur - Norte, Norte - Sur)"
    data = tmp_path / "data"

    state = nightly(source=str(folder), warehouse=duckdb_url, data_dir=str(data), return_state=True)

    first = state.result()
    [outcome] = first.outcomes
    assert outcome.status == "loaded"  # the known tables load: a warning stops nothing
    assert first.warnings[0] == line
    n = len(first.warnings)
    assert state.type.value == "COMPLETED" and state.name == "Completed"  # Prefect's own name: listed by the UI
    assert state.message == (f"Completed with {n} warning{'s' if n > 1 else ''}: {line}; "
                             "see the warnings artifact. 0 failed, 0 quarantined")
    logs, artifacts = _logs_and_artifacts(state.state_details.flow_run_id)
    assert (30, line) in logs  # WARNING, in the Prefect run's log
    # One document: one parser and one validator process started, not DARIEN_WORKERS of each.
    assert (20, "1 document(s) to parse, validate and publish, 1 at a time (DARIEN_WORKERS=2)") in logs
    alerted = artifacts["warnings"].split("### validation notes")[0]
    assert alerted.startswith("### run warnings (alerted)") and f"- {line}" in alerted.splitlines()
    # Its rows, as printed, for a person to read: in a CSV under the data folder and in the documents artifact.
    csv = data / "unknown_tables" / outcome.sha256[:12] / "cuadro-004.csv"
    printed = snm.table_lines(spec, flow)
    assert csv.read_text(encoding="utf-8").splitlines()[1:] == [
        ",".join([label, str(total) if total else "-", *(str(m) if m else "-" for m in months)])
        for label, months, total in printed]
    documents = artifacts["documents"]
    assert f"**{NAME}: {title}** (`{csv}`)" in documents
    shown = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in documents.splitlines()
             if row.startswith("| Sur - Norte ")]
    [(label, months, total)] = [row for row in printed if row[0] == "Sur - Norte"]
    assert shown == [[label, str(total), *(str(m) for m in months if m is not None)]]  # the months the file reports

    again = reprocess(sha256=[outcome.sha256[:12]], warehouse=duckdb_url, data_dir=str(data), return_state=True)

    second = again.result()
    assert [o.status for o in second.outcomes] == ["loaded"]
    assert line not in second.warnings  # warned of once per version: listed, at INFO
    logs, artifacts = _logs_and_artifacts(again.state_details.flow_run_id)
    assert (20, line + ALREADY) in logs and not [message for _, message in logs if message == line]
    assert line not in artifacts.get("warnings", "")
    assert f"**{NAME}: {title}** (`{csv}`)" in artifacts["documents"]
