"""The GX context behind the gate: lazy import, idempotent set-up across processes, suites tied to their version."""

from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import expectations
from darien.contract import SUITES_VERSION
from expectations import context as gate_context
from expectations.suites import SUITES, fingerprint
from tests.expectations.sample_batches import region_2022

# The digest of every suite's definition for each SUITES_VERSION. A change to a suite (or to
# pycountry's list of countries) changes it: bump contract.SUITES_VERSION, so that documents
# judged by the old suites are judged again, and record the new digest here.
FINGERPRINTS = {"1": "9d2e527e42855d689d822448cd1680c76ba22e7fc65fcf05954724012404b8ad",
                "2": "dca92a999cba9ba387ed1e8876acb0f21be66da5b734c98d7901b5eeb1272a8a",  # 2: XKX, TIB
                # 3: source_kind, a batch suite (figures, sums checked), annual suites
                "3": "aed75ea4146f9e80fe3f8366ba06be3b2968d6eb71f6ffed30bcdf3d7be735ce"}

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_importing_expectations_does_not_import_great_expectations():
    done = _python("""
        import sys
        import expectations
        assert callable(expectations.validate) and callable(expectations.quarantine)
        print(sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations"))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_suites_are_those_of_their_version():
    assert FINGERPRINTS.get(SUITES_VERSION) == fingerprint(), (
        "a suite changed: bump darien.contract.SUITES_VERSION and record the new fingerprint"
    )


def _suite_files(gx_dir: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in (gx_dir / "expectations").glob("*.json")}


def test_a_second_set_up_reuses_the_context_and_restores_a_changed_suite(tmp_path):
    gx_dir, docs_dir = tmp_path / "gx", tmp_path / "docs"
    assert expectations.validate(region_2022(), gx_dir=gx_dir, docs_dir=docs_dir).success
    files = _suite_files(gx_dir)
    assert sorted(files) == sorted(f"{name}.json" for name in SUITES)
    config = (gx_dir / "great_expectations.yml").read_text()

    # Someone edits a stored suite by hand: the code's definition wins at the next set-up.
    ranges = gx_dir / "expectations" / "darien_ranges.json"
    stored = json.loads(ranges.read_text())
    stored["expectations"] = stored["expectations"][1:]  # drops persons >= 0
    ranges.write_text(json.dumps(stored))
    gate_context._cache.clear()  # as a new process would start

    batch = region_2022()
    batch.rows.loc[0, "persons"] = -1
    verdict = expectations.validate(batch, gx_dir=gx_dir, docs_dir=docs_dir)
    assert verdict.failures == ["persons -1 outside >= 0 in total total (label 'Total') month 1 of 2022"]
    assert len(json.loads(ranges.read_text())["expectations"]) == 4
    unchanged = {n: t for n, t in _suite_files(gx_dir).items() if n != ranges.name}
    assert unchanged == {n: t for n, t in files.items() if n != ranges.name}
    assert (gx_dir / "great_expectations.yml").read_text() == config


@pytest.mark.slow
def test_two_processes_share_one_fresh_context(tmp_path):
    code = """
        import sys
        from pathlib import Path
        import expectations
        from tests.expectations.sample_batches import region_2022
        verdict = expectations.validate(region_2022(), gx_dir=Path(sys.argv[1]), docs_dir=Path(sys.argv[2]))
        print(verdict.success, verdict.docs_url)
    """
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}"}
    args = [sys.executable, "-c", textwrap.dedent(code), str(tmp_path / "gx"), str(tmp_path / "docs")]
    procs = [subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outputs]
    urls = [out.split()[1] for out, _ in outputs]
    assert [out.split()[0] for out, _ in outputs] == ["True", "True"]
    assert urls[0] != urls[1]
    assert all(Path(url.removeprefix("file://")).is_file() for url in urls)
    assert len(list((tmp_path / "gx" / "expectations").glob("*.json"))) == len(SUITES)


@pytest.mark.slow
def test_an_unusable_gx_dir_is_one_line_naming_it(tmp_path):
    gx_dir = tmp_path / "gx"
    gx_dir.mkdir()
    (gx_dir / "great_expectations.yml").write_text("config_version: [this is not\n")
    try:
        expectations.validate(region_2022(), gx_dir=gx_dir, docs_dir=tmp_path / "docs")
    except expectations.GateError as error:
        message = str(error)
    else:
        raise AssertionError("a broken great_expectations.yml was accepted")
    assert message.startswith(f"{gx_dir}: cannot set up the Great Expectations context: ")
    assert "\n" not in message
