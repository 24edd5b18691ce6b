"""A run killed with SIGKILL must not leave its parser or validator worker processes behind."""

from __future__ import annotations

import pytest

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path


from tests.reliability.runs import descendants

from tests.real_documents import REAL_2022


@pytest.mark.slow
def test_parser_and_validator_workers_exit_when_their_owner_is_killed(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        import expectations, transform
        with transform.ParserPool(2, 60) as parsers, expectations.ValidatorPool(
                2, gx_dir=Path({str(tmp_path / "gx")!r}), docs_dir=Path({str(tmp_path / "docs")!r})) as validators:
            validators.submit(parsers.submit(Path({str(REAL_2022)!r})).result()).result()
            print("ready", flush=True)
            time.sleep(120)
    """)], stdout=subprocess.PIPE, text=True, start_new_session=True,
        cwd=Path(__file__).resolve().parents[2])
    assert owner.stdout.readline().strip() == "ready"
    assert descendants(owner.pid)
    owner.kill()
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 5
    while descendants(owner.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = descendants(owner.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []
