"""The validator pool: long-lived GX workers that judge like the process itself, side by side, and survive a crash."""

from __future__ import annotations

import ast
import os
import re
import signal
from pathlib import Path

import pytest
from tests.expectations.sample_batches import region_2022, set_where, with_rows
from tests.processes import command_line, process

import expectations


@pytest.mark.slow
def test_pool_judges_like_the_process_itself(tmp_path):
    good = region_2022()
    bad = with_rows(region_2022(), lambda r: set_where(r, "category == 'asia' and month == 3", "persons", -5))
    dirs = {"gx_dir": tmp_path / "gx", "docs_dir": tmp_path / "docs"}
    with expectations.ValidatorPool(2, **dirs) as pool:
        verdicts = [f.result(timeout=180) for f in [pool.submit(good), pool.submit(bad)]]
        modules = pool.run(eval, "sorted(__import__('sys').modules)", name="modules").result(timeout=60)
        workers = pool.pids
        servers = {process(pid).ppid for pid in workers}
    local = expectations.validate(bad, **dirs)
    assert verdicts[0].success and not verdicts[1].success
    assert verdicts[1].failures == local.failures
    assert verdicts[1].failures[0] == "persons -5 outside >= 0 in region asia (label 'Asia') month 3 of 2022"
    # Each validation keeps its own Data Docs page, written by the worker that ran it.
    pages = [Path(v.docs_url.removeprefix("file://")) for v in verdicts]
    assert pages[0] != pages[1] and all(p.is_file() for p in pages)
    # Validators import Great Expectations, never Prefect, and there are two of them.
    assert "great_expectations" in modules
    assert not [m for m in modules if m.split(".")[0] == "prefect"]
    assert len(workers) == 2
    # Both are forked from one forkserver that imported GX once for them, not this process.
    [server] = servers
    assert server != os.getpid() and "great_expectations" in preloaded(server)


@pytest.mark.slow
def test_validators_and_parsers_are_forked_from_forkservers_of_their_own(tmp_path):
    import transform

    with expectations.ValidatorPool(1, gx_dir=tmp_path / "gx", docs_dir=tmp_path / "docs") as validators, \
            transform.ParserPool(1, 60) as parsers:
        validator_server, parser_server = process(validators.pids[0]).ppid, process(parsers.pids[0]).ppid
        assert validator_server != parser_server
        # A parser's forkserver imported the parser only: neither GX nor Prefect reach a parser.
        assert "pdfplumber" in preloaded(parser_server)
        assert not [m for m in preloaded(parser_server) if m.split(".")[0] in ("great_expectations", "prefect")]


def preloaded(forkserver: int) -> list[str]:
    """The modules a forkserver imported before its first fork: the list its command line passes to `main`."""
    return ast.literal_eval(re.search(r"main\(\d+, \d+, (\[.*?\])", command_line(forkserver)).group(1))


@pytest.mark.slow
def test_a_dead_validator_is_replaced_and_names_the_document(tmp_path):
    batch = region_2022()
    with expectations.ValidatorPool(1, gx_dir=tmp_path / "gx", docs_dir=tmp_path / "docs") as pool:
        assert pool.submit(batch).result(timeout=180).success  # the worker is up and warm
        [pid] = pool.pids
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(expectations.ValidationCrashed,
                           match="^IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf: the validator worker process died"):
            pool.submit(batch).result(timeout=60)
        assert pool.submit(batch).result(timeout=180).success
        assert len(pool.pids) == 1 and pid not in pool.pids  # a new worker took the dead one's place


@pytest.mark.slow
def test_an_unusable_gx_dir_reaches_the_caller_as_one_line(tmp_path):
    blocker = tmp_path / "gx"
    blocker.write_text("a file where the GX folder should be")
    with expectations.ValidatorPool(1, gx_dir=blocker, docs_dir=tmp_path / "docs") as pool:
        with pytest.raises(expectations.GateError) as caught:
            pool.submit(region_2022()).result(timeout=120)
    assert str(blocker) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.slow
def test_a_process_keeps_its_validators_for_its_next_run_and_each_run_its_own_folders(tmp_path):
    bad = with_rows(region_2022(), lambda r: set_where(r, "category == 'asia' and month == 3", "persons", -5))
    runs = {name: {"gx_dir": tmp_path / name / "gx", "docs_dir": tmp_path / name / "docs"} for name in "ab"}
    with expectations.validators(1, **runs["a"], jump_factor=10) as first:
        judged_a = first.submit(bad).result(timeout=180)
        workers = first.pids
    with expectations.validators(1, **runs["b"], jump_factor=10) as second:
        # Two runs at once (threads of one process) get a pool each.
        with expectations.validators(1, **runs["a"]) as beside:
            assert beside is not second and not set(beside.pids) & set(workers)
        judged_b = second.submit(bad).result(timeout=180)
        assert second is first and second.pids == workers  # no new worker: GX was not imported again
    assert judged_a.failures == judged_b.failures and not judged_b.success
    # The second run's suites and validation page are its own folders', not the first's.
    for name, verdict in zip("ab", (judged_a, judged_b)):
        page = Path(verdict.docs_url.removeprefix("file://"))
        assert page.is_file() and page.is_relative_to(runs[name]["docs_dir"])
        assert (runs[name]["gx_dir"] / "expectations").is_dir()
    # A run that raises leaves no workers behind: the next run starts its own.
    with pytest.raises(RuntimeError), expectations.validators(1, **runs["a"]) as failing:
        kept = failing.pids
        raise RuntimeError("the warehouse went away")
    assert failing.pids == []
    with expectations.validators(1, **runs["a"]) as after:
        assert after is not failing and after.pids and not set(after.pids) & set(kept)
