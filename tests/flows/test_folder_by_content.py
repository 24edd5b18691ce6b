"""A folder as users keep one: files read by what they hold, not by their names.

A renamed SNM PDF is loaded; a PDF on another subject is skipped (named, not a failure, its
bytes not kept, not read again until the pipeline version changes); broken files fail, named.
"""

from __future__ import annotations

import contextlib
import io
import hashlib
import shutil

import pytest
import sqlalchemy as sa

import cli
import load
from tests import snm_documents as snm
from tests.real_documents import REAL_2022
from darien.contract import PIPELINE_VERSION
from tests.warehouse import query

pytestmark = pytest.mark.prefect


def _text_pdf(path, *lines: str):
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    for i, line in enumerate(lines):
        canvas.drawString(72, 760 - 14 * i, line)
    canvas.save()
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory, prefect_harness):
    """A user's folder, the warehouse and data folder of its runs, and a CLI caller."""
    root = tmp_path_factory.mktemp("by-content")
    folder = root / "archive"
    (folder / "notes").mkdir(parents=True)
    shutil.copy(REAL_2022, folder / "Dar_update.pdf")  # a public copy of an SNM file, renamed
    _text_pdf(folder / "notes" / "minutes.pdf", "Minutes of the board meeting, 3 March 2024.",
              "Present: the treasurer and the secretary.")
    (folder / "notes" / "todo.txt").write_text("call the printer\n")
    (folder / "broken-crlf.pdf").write_bytes(REAL_2022.read_bytes().replace(b"\n", b"\r\n"))
    snm.write_image_pdf(folder / "scan.pdf")
    snm.write_pdf(snm.document_spec(2023, seed=1), folder / "locked.pdf", encrypt_password="secret")
    (folder / "cut.pdf").write_bytes(REAL_2022.read_bytes()[:40_000])
    _text_pdf(folder / "memo.pdf", "TRÁNSITO IRREGULAR POR DARIÉN", "Cifras en preparación: sin cuadros.")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"

    def darien(*argv: str, capsys) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([*argv, "--warehouse", url, "--data-dir", str(root / "data")])
        out, err = capsys.readouterr()
        return code, out, err

    # The first run, here so that every test starts from it whichever runs first.
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["run", "--source", str(folder), "--warehouse", url, "--data-dir", str(root / "data")])
    return folder, root / "data" / "raw", url, darien, (code, out.getvalue(), err.getvalue())


def _make_older(url: str, sha256: str) -> None:
    """As if the version had been read by an earlier pipeline version."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("update etl_documents set pipeline_version = 'older' where sha256 = :sha"),
                     {"sha": sha256})
    engine.dispose()


def _ledger(url: str) -> dict[str, tuple[str, str]]:
    rows = query(url, "select url, status, pipeline_version from etl_documents where sha256 <> ''")
    return {u.rsplit("/", 1)[-1]: (status, version) for u, status, version in rows}


def test_a_folder_is_read_by_content(archive, capsys):
    folder, raw, url, darien, (code, out, err) = archive

    assert code == 3  # the broken files fail, named; nothing else goes wrong
    assert query(url, "select sum(persons) from darien_transit where year = 2022 and breakdown = 'total'") \
        == [(248_284,)]
    ledger = _ledger(url)
    assert ledger["Dar_update.pdf"][0] == "loaded"
    assert ledger["minutes.pdf"] == ("skipped", PIPELINE_VERSION)
    assert {name for name, (status, _) in ledger.items() if status == "failed"} == \
        {"broken-crlf.pdf", "scan.pdf", "locked.pdf", "cut.pdf", "memo.pdf"}
    assert "todo.txt" not in ledger
    failures = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failures) == 5 and all("\n" not in f for f in failures)
    assert "skipped 1 file(s) that are no Darién transit document: minutes.pdf" in out.splitlines()
    minutes = hashlib.sha256((folder / "notes" / "minutes.pdf").read_bytes()).hexdigest()
    assert not list(raw.glob(f"{minutes}.*"))  # its bytes are not kept
    engine = load.connect(url)
    try:
        assert load.ledger.known_count_by_source(engine) == {str(folder): 6}  # minutes.pdf is none of them
    finally:
        engine.dispose()
    status = darien("status", capsys=capsys)[1]
    assert "minutes.pdf" in status.split("Skipped files")[1]
    assert darien("verify", capsys=capsys)[0] == 0  # a skipped file is not missing


def test_a_skipped_file_is_read_again_only_when_the_pipeline_version_changes(archive, capsys):
    folder, raw, url, darien, _ = archive
    minutes = folder / "notes" / "minutes.pdf"
    sha = hashlib.sha256(minutes.read_bytes()).hexdigest()

    code, out, _ = darien("run", "--source", str(folder), capsys=capsys)
    assert code == 0 and "0 new or changed" in out and "skipped" not in out  # not read again
    assert not list(raw.glob(f"{sha}.*"))

    _make_older(url, sha)
    code, out, _ = darien("run", "--source", str(folder), capsys=capsys)
    assert code == 0 and "skipped 1 file(s) that are no Darién transit document: minutes.pdf" in out
    assert _ledger(url)["minutes.pdf"] == ("skipped", PIPELINE_VERSION)
    assert not list(raw.glob(f"{sha}.*"))

    minutes.unlink()  # gone from its source: it stays skipped, silently
    _make_older(url, sha)
    code, out, err = darien("run", "--source", str(folder), capsys=capsys)
    assert code == 0, err
    assert "minutes.pdf" not in out + err
    assert _ledger(url)["minutes.pdf"] == ("skipped", PIPELINE_VERSION)
