"""What a person reads of a run in the Prefect UI: its state, its log lines, its artifacts, its alerts.

The pieces as plain functions here (state, artifacts, alert text, schedule words); the log
filter in a flow run on the session's test server. tests/flows/test_deployments.py reads the
same off a served run, through the API.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import expectations
from darien.config import settings
from flows import alerts
from flows.artifacts import documents_markdown
from flows.deployments import deployments, schedule_words
from flows.documents import failed_checks, failure_line
from flows.run import DocumentOutcome, RunSummary, final_state, run_logger
from flows.tasks import warnings_markdown
from report.markdown import too_wide
from tests.expectations.sample_batches import make_batch, region_2022

CRLF = ("Dar_update.pdf: no text in the document: line endings converted LF→CRLF in a text-mode transfer "
        "(no bare LF left); fetch the original again, or convert CRLF back to LF")
FRESHNESS = "SNM's newest figures are as of 2023-08-31, more than 45 days ago"
JUMPS = ["IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf: month-over-month change in country PER (label 'Perú') "
         "month 11 of 2022: 438 -> 34 (x12.9, beyond factor 10)",
         "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf: month-over-month change in country VEN (label 'Venezuela') "
         "month 11 of 2022: 40593 -> 668 (x60.8, beyond factor 10)"]


def _summary() -> RunSummary:
    """A night as the operator's folder gives it: two documents loaded, the damaged one failed, one warning, two notes."""
    summary = RunSummary(warehouse="duckdb:///w.duckdb", found=4, fetched=4)
    summary.outcomes = [
        DocumentOutcome("file:///srv/snm/IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf", "7b05a39a" + "0" * 56, 2022,
                        "loaded", inserted=612, docs_url="file:///srv/data/docs/validations/a/b/schema.html"),
        DocumentOutcome("https://www.migracion.gob.pa/TR%C3%81NSITO_IRREGULAR_POR_DARI%C3%89N.pdf", "9c1f" + "0" * 60,
                        2023, "loaded", inserted=560, updated=12, deleted=3),
        DocumentOutcome("file:///srv/snm/Dar_update.pdf", "e3b0c442" + "0" * 56, None, "failed", CRLF, stage="parse"),
    ]
    summary.warnings, summary.notes = [FRESHNESS], list(JUMPS)
    return summary


def test_a_run_with_warnings_ends_in_prefects_own_completed_state_naming_them_and_what_did_not_load():
    summary = _summary()

    state = final_state(summary)

    assert state.type.value == "COMPLETED" and state.name == "Completed"
    assert state.message == (f"Completed with 1 warning: {FRESHNESS}; see the warnings artifact. "
                             "1 failed (Dar_update.pdf), 0 quarantined")
    assert state.result() is summary
    summary.warnings = []
    assert final_state(summary).message == "Completed: 1 failed (Dar_update.pdf), 0 quarantined; " \
                                           "see the documents artifact"
    summary.outcomes = summary.outcomes[:2]
    assert final_state(summary) is summary  # nothing to say: the summary itself, Completed


def test_a_document_that_did_not_load_is_one_line_naming_it_once_with_its_stage_and_reason():
    failed = _summary().outcomes[2]

    assert failure_line(failed) == f"Dar_update.pdf failed at parse: {CRLF.removeprefix('Dar_update.pdf: ')}"


def test_the_documents_artifact_fits_the_screen_and_names_documents_as_published():
    markdown = documents_markdown(settings(data_dir="/srv/data"), _summary())

    assert too_wide(markdown) == []
    assert "file://" not in markdown and "%C3" not in markdown and "migracion.gob.pa" not in markdown
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines() if line.startswith("| ")]
    assert rows == [["document", "sha256", "year", "status", "rows written"],
                    ["IRREGULARES_P…DARIEN_DICIEMBRE_2022.pdf", "7b05a3", "2022", "loaded", "+612"],
                    ["TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf", "9c1f00", "2023", "loaded", "+560 ~12 −3"],
                    ["Dar_update.pdf", "e3b0c4", "", "failed", ""]]
    # The reason in full, one line below the table, the document named once.
    assert f"- **Dar_update.pdf** (e3b0c4) failed at parse: {CRLF.removeprefix('Dar_update.pdf: ')}" \
        in markdown.splitlines()
    assert "validation pages (Great Expectations Data Docs), on the server: `/srv/data/docs`" in markdown


@pytest.fixture(scope="module")
def unknown_countries(tmp_path_factory):
    """A real verdict on the 2022 region table with seven country codes no contract knows, in seven months."""
    root = tmp_path_factory.mktemp("gate")
    batch = region_2022()
    extra = make_batch([("country", f"ZZ{i}", f"Atlantis {i}", i, 12) for i in range(1, 8)], []).rows
    batch.rows = pd.concat([batch.rows, extra], ignore_index=True)
    verdict = expectations.validate(batch, gx_dir=root / "gx", docs_dir=root / "docs")
    assert not verdict.success
    return batch, verdict


def test_a_quarantined_document_shows_its_failed_expectations_five_offending_rows_and_its_data_docs_path(
        unknown_countries, tmp_path):
    batch, verdict = unknown_countries
    outcome = DocumentOutcome(batch.source_url, batch.source_sha256, 2022, "quarantined", verdict.failures[0],
                              docs_url=verdict.docs_url, stage="validate", failed_checks=failed_checks(verdict),
                              offending=list(verdict.offending))
    summary = RunSummary(warehouse="duckdb:///w.duckdb", outcomes=[outcome])

    markdown = documents_markdown(settings(data_dir=str(tmp_path)), summary)

    assert too_wide(markdown) == [] and "file://" not in markdown
    details = markdown.split("#### Quarantined: IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf (7b05a3)")[1]
    failed = details.split("Offending rows (up to five):")[0]
    assert "- darien_categories: expect_column_values_to_be_in_set on pair (7 rows)" in failed.splitlines()
    shown = [line for line in details.split("Offending rows (up to five):")[1].splitlines() if line.startswith("- ")]
    assert shown == [f"- unknown country label 'Atlantis {i}' (category ZZ{i})" for i in range(1, 6)]
    [page] = [line for line in details.splitlines() if line.startswith("Data Docs page, on the server: ")]
    path = page.removeprefix("Data Docs page, on the server: `").removesuffix("`")
    assert path.endswith(".html") and Path(path).is_file()


def test_the_warnings_artifact_lists_the_run_warnings_and_every_validation_note_apart():
    markdown = warnings_markdown(_summary())

    alerted, notes = markdown.split("### validation notes")
    assert alerted.startswith("### run warnings (alerted)")
    assert [line for line in alerted.splitlines() if line.startswith("- ")] == [f"- {FRESHNESS}"]
    assert [line for line in notes.splitlines() if line.startswith("- ")] == [f"- {note}" for note in JUMPS]


def test_the_run_warning_alert_says_every_warning_line():
    from prefect.server.utilities.user_templates import render_user_template_sync

    class Named:
        def __init__(self, **values):
            self.__dict__.update(values)

    template = alerts.AUTOMATIONS["darien: run warning"][1]
    rendered = render_user_template_sync(template.replace("(flow_run|ui_url)", '"<link>"'), {
        "flow": Named(name="nightly"), "flow_run": Named(name="brave-fox"),
        "event": Named(payload={"warnings": [FRESHNESS, 'a table the parser does not know: "Cuadro No. 004"']})})

    assert json.loads(rendered)["text"] == (
        f"Darién ETL: nightly run brave-fox: completed with 2 warning(s):\n- {FRESHNESS}\n"
        '- a table the parser does not know: "Cuadro No. 004"\n<link>')


@pytest.mark.parametrize("cron, words", [
    ("0 2 * * *", "nightly at 02:00 America/Panama"),
    ("30 23 * * *", "nightly at 23:30 America/Panama"),
    ("*/5 * * * *", "nightly on cron '*/5 * * * *' (America/Panama)"),
])
def test_the_nightly_deployment_names_its_schedules_time_zone(monkeypatch, cron, words):
    monkeypatch.setenv("DARIEN_NIGHTLY_CRON", cron)

    nightly = deployments()[0]

    assert nightly.name == "nightly" and words in nightly.description
    assert schedule_words(nightly.schedules[0].schedule) == words


@pytest.mark.prefect
def test_a_task_that_returns_failed_leaves_our_line_and_prefects_finished_line_alone(prefect_harness):
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker
    from prefect.states import Failed

    from flows.run import one_line_per_failure

    outcome = DocumentOutcome("file:///srv/snm/Dar_update.pdf", "e3b0c442" + "0" * 56, None, "failed", CRLF,
                              stage="parse")

    @task(name="parse")
    def parse():
        run_logger().error("%s", failure_line(outcome))
        return Failed(message=f"failed: {CRLF}", data=outcome)

    @flow(name="quiet")
    def quiet(filtered: bool) -> None:
        if not filtered:
            parse(return_state=True)
            return
        with one_line_per_failure():
            parse(return_state=True)

    def errors(filtered: bool) -> list[str]:
        run = quiet(filtered, return_state=True).state_details.flow_run_id
        APILogWorker.drain_all(timeout=5)
        with get_client(sync_client=True) as client:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run])))
        return [log.message for log in logs if log.level >= 40]

    # Without the filter, Prefect's task engine logs the state's repr, with "NoneType: None" under it.
    assert any(m.startswith("Task run failed with state: ") and "DocumentOutcome(" in m for m in errors(False))
    assert errors(True) == [failure_line(outcome), f"Finished in state Failed('failed: {CRLF}')"]
