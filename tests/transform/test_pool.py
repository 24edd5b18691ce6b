"""The parser pool: long-lived workers, a time limit per document, a crashed worker replaced."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

import transform

from tests.real_documents import REAL_2022, REAL_2023


@pytest.mark.slow
def test_pool_parses_like_the_process_itself(tmp_path):
    mangled = tmp_path / "mangled.pdf"
    mangled.write_bytes(REAL_2022.read_bytes().replace(b"\n", b"\r\n"))
    with transform.ParserPool(2, timeout_s=60) as pool:
        futures = [pool.submit(p, source_url=f"https://snm.test/{i}.pdf")
                   for i, p in enumerate([REAL_2022, REAL_2023, mangled])]
        batches = [f.result() for f in futures[:2]]
        with pytest.raises(transform.NoTextError, match="^2.pdf: "):
            futures[2].result()
        modules = pool.run(eval, "sorted(__import__('sys').modules)", name="modules").result(timeout=60)
    local = transform.parse_document(REAL_2022, source_url="https://snm.test/0.pdf")
    assert batches[0].rows.equals(local.rows) and batches[0].reconciliation.equals(local.reconciliation)
    assert batches[1].rows.persons[batches[1].rows.breakdown == "total"].sum() == 333_704
    # Workers stay light: no Prefect, no Great Expectations.
    assert "pdfplumber" in modules
    assert not [m for m in modules if m.split(".")[0] in ("prefect", "great_expectations")]


def test_time_limit_is_enforced_in_the_worker():
    with transform.ParserPool(1, timeout_s=0.05) as pool:
        started = time.monotonic()
        with pytest.raises(transform.ParseTimeout, match="longer than 0.05 s"):
            pool.submit(REAL_2023).result(timeout=30)
        assert time.monotonic() - started < 20
        # The worker survives its timeout and takes the next document.
        with pytest.raises(transform.ParseTimeout):
            pool.submit(REAL_2022).result(timeout=30)


@pytest.mark.slow
def test_a_dead_worker_is_replaced():
    with transform.ParserPool(1, timeout_s=60) as pool:
        pool.submit(REAL_2022).result()  # workers up and warm
        victim = pool.submit(REAL_2023)
        time.sleep(0.2)
        [pid] = pool.pids
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(transform.WorkerCrashed, match="worker process died"):
            victim.result(timeout=30)
        batch = pool.submit(REAL_2022).result(timeout=60)
        assert len(pool.pids) == 1 and pid not in pool.pids  # a new worker took the dead one's place
    assert batch.year == 2022


@pytest.mark.slow
def test_memory_limit_gives_a_typed_error():
    with transform.ParserPool(1, timeout_s=60, memory_mb=_resident_ceiling_mb()) as pool:
        with pytest.raises(transform.ParseError) as caught:
            pool.submit(REAL_2023).result(timeout=60)
    # Usually typed; an allocation that fails while the worker sends its answer kills it instead.
    assert isinstance(caught.value, (transform.ParseMemoryError, transform.WorkerCrashed))


def _resident_ceiling_mb() -> int:
    """An address-space limit just above what a worker holds once it has imported the parser."""
    import subprocess
    import sys

    probe = ("import resource, pdfplumber, transform.document, transform.pdf;"
             "print(int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize() // 2**20)")
    used = int(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).resolve().parents[2]).stdout)
    return used + 8
