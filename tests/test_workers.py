"""Worker processes import what their initializer imports, not the module the run was started as."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("started_as", ["module", "script"])
def test_a_worker_does_not_import_the_run_s_main_module(tmp_path, started_as):
    # A deployment's run is `python -m prefect.engine`; `darien` is a script. Each imports Prefect.
    (tmp_path / "flowlike.py").write_text(textwrap.dedent("""
        import sys
        import prefect  # as the flow's process has it
        import transform

        if __name__ == "__main__":
            with transform.ParserPool(1, 60) as pool:
                print(pool.run(eval, "sorted(m for m in __import__('sys').modules"
                               " if m.split('.')[0] in ('prefect', 'flowlike'))", name="modules").result())
    """))
    command = ["-m", "flowlike"] if started_as == "module" else [str(tmp_path / "flowlike.py")]
    done = subprocess.run([sys.executable, *command], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
