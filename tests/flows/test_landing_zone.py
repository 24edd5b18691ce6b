"""A landing zone that loses or damages files, retention that prunes them, and `darien verify`.

Runs the CLI as an operator does, on a folder source holding the real 2022 document.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import pytest
import sqlalchemy as sa

import cli
from tests.real_documents import REAL_2022, REAL_2023
from tests.warehouse import query

pytestmark = pytest.mark.prefect

TOTALS = {2022: 248_284, 2023: 333_704}  # the documents' Total rows


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, prefect_harness):
    """One `darien run` of a folder holding both real documents, copied by each test that needs it."""
    root = tmp_path_factory.mktemp("first-run")
    folder = root / "archive"
    folder.mkdir()
    for document in (REAL_2022, REAL_2023):
        shutil.copy(document, folder)
    warehouse = root / "warehouse.duckdb"
    assert cli.main(["run", "--source", str(folder), "--warehouse", f"duckdb:///{warehouse}",
                     "--data-dir", str(root / "data")]) == 0
    return root


@pytest.fixture
def operated(first_run, tmp_path, capsys):
    """A copy of the first run's folder, landing zone and warehouse; yields a CLI caller and the raw files."""
    shutil.copytree(first_run, tmp_path, dirs_exist_ok=True)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:  # the copy's documents come from the copy's own folder
        conn.execute(sa.text("UPDATE etl_documents SET url = replace(url, :old, :new), source = :folder"),
                     {"old": first_run.as_uri(), "new": tmp_path.as_uri(), "folder": str(tmp_path / "archive")})
    engine.dispose()

    def darien(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main([*argv, "--warehouse", url, "--data-dir", str(tmp_path / "data")])
        out, err = capsys.readouterr()
        return code, out, err

    raws = {}
    for document in (REAL_2022, REAL_2023):
        sha = hashlib.sha256(document.read_bytes()).hexdigest()
        raws[document.name] = (tmp_path / "data" / "raw" / f"{sha}.pdf", sha)
    return darien, url, tmp_path / "archive", raws


def _totals(url: str) -> dict[int, int]:
    return dict(query(url, "select year, sum(persons) from darien_transit where breakdown = 'total' group by year"))


def test_reprocess_fetches_a_deleted_raw_file_again_and_replaces_a_damaged_one(operated):
    darien, url, _, raws = operated
    (deleted, sha_2022), (damaged, sha_2023) = raws[REAL_2022.name], raws[REAL_2023.name]
    deleted.unlink()
    damaged.chmod(0o644)
    damaged.write_bytes(damaged.read_bytes()[:-100] + b"\0" * 100)  # same size, other bytes

    code, _, err = darien("reprocess", sha_2022[:12], sha_2023[:12])

    assert code == 0, err
    assert hashlib.sha256(deleted.read_bytes()).hexdigest() == sha_2022
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == sha_2023
    assert _totals(url) == TOTALS


def test_a_raw_file_gone_from_its_source_too_fails_that_document_in_one_line(operated):
    darien, url, folder, raws = operated
    raw, sha = raws[REAL_2022.name]
    raw.unlink()
    (folder / REAL_2022.name).write_bytes(b"%PDF-1.7 other bytes now")

    code, out, err = darien("reprocess", sha[:12])

    assert code == 3, out + err
    [line] = [x for x in err.splitlines() if x.startswith("failed: ")]
    assert REAL_2022.name in line and sha in line
    assert "missing from the landing zone" in line and "restore it from a backup" in line
    assert "Traceback" not in err
    assert _totals(url) == TOTALS  # nothing lost from the warehouse


def test_verify_names_each_missing_or_damaged_file(operated):
    darien, _, _, raws = operated
    code, out, _ = darien("verify")
    assert code == 0 and "verified 2 raw file(s)" in out and "0 missing or damaged" in out
    (deleted, sha_2022), (damaged, sha_2023) = raws[REAL_2022.name], raws[REAL_2023.name]
    deleted.unlink()
    damaged.chmod(0o644)
    damaged.write_bytes(b"%PDF-1.7 not the bytes the ledger knows")

    code, out, _ = darien("verify")

    assert code == 3
    problems = sorted(x for x in out.splitlines() if x.startswith(("missing: ", "damaged: ")))
    assert problems[0].startswith(f"damaged: {REAL_2023.name} (sha256 {sha_2023})")
    assert problems[1].startswith(f"missing: {REAL_2022.name} (sha256 {sha_2022})")
    assert len(problems) == 2
    assert "| missing" in darien("status")[1]


def test_a_pruned_raw_file_is_recorded_and_neither_fetched_back_nor_missing(operated, monkeypatch):
    darien, url, folder, raws = operated
    raw, sha = raws[REAL_2022.name]
    old = time.time() - 10 * 86400
    os.utime(raw, (old, old))
    monkeypatch.setenv("DARIEN_KEEP_RAW_DAYS", "5")

    assert darien("run", "--source", str(folder))[0] == 0  # retention prunes after the run's publish

    assert not raw.exists() and raws[REAL_2023.name][0].exists()
    [(pruned_at,)] = query(url, f"select pruned_at from etl_documents where sha256 = '{sha}'")
    assert pruned_at is not None
    code, out, _ = darien("run", "--source", str(folder))
    assert code == 0 and "0 new or changed" in out and not raw.exists()  # not fetched back
    assert darien("verify")[0] == 0  # pruned on purpose: not missing
    status = darien("status")[1]
    assert "| pruned" in status and "| missing" not in status
    code, out, err = darien("backfill", "--source", str(folder), "--from-year", "2022", "--to-year", "2022",
                            "--force")
    assert code == 0 and "failed" not in err and not raw.exists()
    assert _totals(url) == TOTALS
