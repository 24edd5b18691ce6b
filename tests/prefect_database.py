"""A migrated Prefect database for the tests' temporary servers, built once per Prefect version.

A Prefect server on a new SQLite file runs every migration first: about 10 s of CPU. The
template is migrated once (by `prefect server database upgrade`), kept in the system's
temporary folder under the Prefect version, and copied into a temporary server's folder
before it starts (tests/prefect_server.py).
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DATABASE = "prefect-test.db"  # the database file in a test server's PREFECT_HOME (tests/prefect_server.py)


def template() -> Path:
    """The migrated database file for this Prefect version, built by the first caller."""
    import prefect

    path = Path(tempfile.gettempdir()) / f"darien-prefect-{prefect.__version__}.db"
    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers start at once: one builds, the others wait
        if not path.exists():
            building = path.with_name(f"{path.name}.{os.getpid()}")
            env = {**os.environ, "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{building}"}
            try:
                subprocess.run([Path(sys.executable).parent / "prefect", "server", "database", "upgrade", "-y"],
                               env=env, check=True, capture_output=True)
                building.replace(path)
            finally:
                building.unlink(missing_ok=True)  # a failed build leaves nothing half-migrated
    return path
