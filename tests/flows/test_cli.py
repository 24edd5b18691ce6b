"""The `darien` command: parse output, exit codes, one-line errors."""

from __future__ import annotations

import pytest

import io
import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import cli
from tests.real_documents import pdf_archive
from tests.warehouse import query


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_prints_contract_rows_of_a_real_document(capsys, real_2022):
    code, out, err = run_cli(capsys, "parse", str(real_2022))

    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    venezuela = rows[(rows.breakdown == "country") & (rows.category == "VEN")]
    assert venezuela.persons.sum() == 150_327
    assert venezuela.set_index("month").persons[9] == 38_399
    assert rows.load_id.isna().all() and rows.loaded_at.isna().all()
    assert set(rows.columns) >= {"year", "month", "breakdown", "category", "label", "persons",
                                 "source_sha256", "source_table", "source_page", "pipeline_version"}


def test_parse_json_format(capsys, real_2023):
    code, out, _ = run_cli(capsys, "parse", "--format", "json", str(real_2023))

    assert code == 0
    rows = json.loads(out)
    totals = {r["month"]: r["persons"] for r in rows if r["breakdown"] == "total"}
    assert sorted(totals) == list(range(1, 9))  # Sep–Dec not yet reported
    assert sum(totals.values()) == 333_704


def test_parse_of_a_broken_file_is_one_line_and_exit_1(capsys, tmp_path):
    bad = tmp_path / "not-a-pdf.pdf"
    bad.write_bytes(b"<html>not a pdf</html>" * 10)

    code, out, err = run_cli(capsys, "parse", str(bad))

    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and "not-a-pdf.pdf" in err


def test_usage_errors_exit_2(capsys):
    assert run_cli(capsys, "parse")[0] == 2
    assert run_cli(capsys, "backfill", "--from-year", "2024", "--to-year", "2021")[0] == 2


def test_configuration_errors_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DARIEN_WORKERS", "many")

    code, _, err = run_cli(capsys, "run", "--source", str(tmp_path))

    assert code == 2
    assert "DARIEN_WORKERS" in err and err.count("\n") == 1


@pytest.mark.prefect
def test_run_exits_75_while_another_process_holds_the_warehouse(prefect_harness, capsys, tmp_path):
    warehouse = f"duckdb:///{tmp_path / 'w.duckdb'}"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time, load
            with load.run_lock({warehouse!r}):
                print("held", flush=True)
                time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run_cli(capsys, "run", "--source", str(pdf_archive(tmp_path / "samples")),
                               "--warehouse", warehouse, "--data-dir", str(tmp_path / "d"))
    finally:
        holder.kill()
        holder.wait()

    assert code == 75
    assert err.strip().count("\n") == 0


@pytest.mark.prefect
def test_run_with_a_broken_document_exits_3_and_names_it(prefect_harness, capsys, tmp_path, real_2022):
    source = tmp_path / "source"
    source.mkdir()
    (source / real_2022.name).write_bytes(real_2022.read_bytes())
    # The same PDF after a text-mode transfer turned every LF into CRLF: it opens, but has no text.
    (source / "IRREGULARES_POR_DARIEN_2021.pdf").write_bytes(real_2022.read_bytes().replace(b"\n", b"\r\n"))

    code, out, err = run_cli(capsys, "run", "--source", str(source),
                             "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}",
                             "--data-dir", str(tmp_path / "d"))

    assert code == 3
    assert "IRREGULARES_POR_DARIEN_2021.pdf" in err
    assert "1 loaded" in out and "1 failed" in out


@pytest.mark.slow
@pytest.mark.parametrize("variable, value, line", [
    ("DARIEN_NIGHTLY_CRON", "61 * * * *",
     "DARIEN_NIGHTLY_CRON='61 * * * *' is not a cron expression (five fields, e.g. '0 2 * * *')"),
    # The webhook URL is a credential: shown as its scheme and host only.
    ("DARIEN_ALERT_WEBHOOK", "ftp://hooks.example.org/services/T000/secret",
     "DARIEN_ALERT_WEBHOOK must be an http(s) URL, not 'ftp://hooks.example.org/…'"),
])
def test_a_bad_serve_setting_stops_serve_and_make_serve_with_exit_2_in_one_line(
        capsys, monkeypatch, variable, value, line):
    monkeypatch.setenv(variable, value)

    code, _, err = run_cli(capsys, "serve")
    server = subprocess.run([sys.executable, "-m", "flows.server"], capture_output=True, text=True, timeout=60)

    for code, err in ((code, err), (server.returncode, server.stderr)):
        assert code == 2
        assert err == f"darien: {line}\n"


def test_the_nightly_runs_at_2_in_panama_unless_told(monkeypatch):
    from flows.deployments import nightly_schedule

    monkeypatch.delenv("DARIEN_NIGHTLY_CRON", raising=False)
    assert (nightly_schedule().cron, nightly_schedule().timezone) == ("0 2 * * *", "America/Panama")
    monkeypatch.setenv("DARIEN_NIGHTLY_CRON", "30 5 * * 1")
    assert nightly_schedule().cron == "30 5 * * 1"


def test_status_and_summary_lines_name_documents_as_published(capsys, tmp_path):
    from pathlib import Path

    import load
    from darien.contract import DocumentVersion
    from flows.run import DocumentOutcome, RunSummary

    url = "https://www.migracion.gob.pa/wp-content/uploads/TR%C3%81NSITO_IRREGULAR_POR_DARI%C3%89N.pdf"
    warehouse = f"duckdb:///{tmp_path / 'w.duckdb'}"
    engine = load.connect(warehouse)
    try:
        load.ensure_schema(engine)
        load.ledger.record_fetch(engine, DocumentVersion(
            url=url, source="https://www.migracion.gob.pa/estadisticas/", fetch="downloaded", sha256="ab" * 32,
            path=Path("/raw/x.pdf"), content_type="application/pdf", bytes=10, kind="pdf", year=2023))
        load.ledger.set_status(engine, url, "ab" * 32, "failed", error="no table found")
    finally:
        engine.dispose()
    published = "https://www.migracion.gob.pa/wp-content/uploads/TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"

    code, status, _ = run_cli(capsys, "status", "--warehouse", warehouse)
    summary = RunSummary(warehouse=warehouse, outcomes=[DocumentOutcome(url, "ab" * 32, status="failed",
                                                                        reason="no table found")])
    exit_code = cli._finish(summary)
    _, err = capsys.readouterr()

    assert code == 0 and published in status and "%C3" not in status
    assert exit_code == 3 and err == f"failed: {published}: no table found\n"
    assert query(warehouse, "select url from etl_documents") == [(url,)]  # the ledger keeps it as fetched
