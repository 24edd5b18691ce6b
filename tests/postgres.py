"""The PostgreSQL server the tests (and the bench) use, chosen once per session.

In order:
1. `DARIEN_TEST_PG`, a SQLAlchemy URL, when it is set (`private` forces the third way);
2. the machine's server at 127.0.0.1:5432, when it answers and lets `postgres` into `test`
   without a password;
3. a private server started from the `pgserver` wheel's PostgreSQL binaries: in a temporary
   directory of its own, listening on a Unix socket there only, stopped and removed when the
   session ends. A session that was killed leaves its directory behind, with the pid of its
   owner inside: the next session stops that server and removes the directory, once the owner
   is dead (two sessions may run at once).

The tests' process that chooses (pytest's controller, under pytest-xdist) exports the URL as
`DARIEN_TEST_PG`, so its workers and every subprocess they start use the same server.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import abandoned, claim, command_line, started_at

MACHINE_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PREFIX = "darien-test-pg-"


def machine_answers(timeout: int = 3) -> bool:
    """True when 127.0.0.1:5432 lets postgres into `test` without a password."""
    import psycopg

    try:
        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test password=''",
                        connect_timeout=timeout).close()
    except psycopg.Error:
        return False
    return True


def join_query(url: str, part: str) -> str:
    """`url` with one more query part (`key=value`), joined by ? or & as the URL needs."""
    return f"{url}{'&' if '?' in url else '?'}{part}"


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("pgserver")  # the wheel's binaries, without importing its server code
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("no PostgreSQL for the tests: none answers at 127.0.0.1:5432, DARIEN_TEST_PG "
                           "is unset, and the `pgserver` package is not installed (make setup installs it)")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def reap_orphans(tmp: Path | None = None) -> list[Path]:
    """Stop and remove the private servers of sessions that died; the directories removed."""
    removed = abandoned(PREFIX, tmp)
    for directory in removed:
        _kill_postmaster(directory / "data")
        shutil.rmtree(directory, ignore_errors=True)
    return removed


def _kill_postmaster(data: Path) -> None:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    if str(data) not in command_line(pid):
        return  # gone, or that pid is another process now
    for sig in (signal.SIGQUIT, signal.SIGKILL):  # SIGQUIT: immediate shutdown, children included
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        for _ in range(50):
            if started_at(pid) is None:
                return
            time.sleep(0.1)


def _reachable_by_others(path: Path) -> bool:
    """True when every folder from / down to `path` lets others through (o+x)."""
    return all(folder.stat().st_mode & 0o001 for folder in [path, *path.parents])


class PrivatePostgres:
    """A PostgreSQL server of the session's own, in a temporary directory (see the module's doc)."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix=PREFIX))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@/test?host={self.dir}"
        claim(self.dir)
        # PostgreSQL refuses to run as root: then it runs as `nobody`, which owns the directory.
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user:
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            if not _reachable_by_others(self.bin):  # a checkout under a private folder (mktemp -d)
                # The wheel's layout, as the binaries' RPATH ($ORIGIN/../../../pgserver.libs) needs it.
                wheel = self.bin.parents[2]
                for part in ("pgserver/pginstall", "pgserver.libs"):
                    shutil.copytree(wheel / part, self.dir / "wheel" / part, symlinks=True)
                self.bin = self.dir / "wheel" / "pgserver" / "pginstall" / "bin"

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([str(self.bin / program), *args], user=self.user, capture_output=True,
                                text=True, timeout=120, cwd=self.dir)
        if result.returncode != 0:
            log = self.dir / "log"
            detail = log.read_text()[-2000:] if log.exists() else ""
            hint = " (it runs as nobody: every folder above it must be searchable by others)" if self.user else ""
            raise RuntimeError(f"private PostgreSQL in {self.dir}{hint}: {program} failed: "
                               f"{result.stderr.strip()} {detail}")

    def start(self) -> str:
        """Initialise, start and create `test`; the URL of `test`."""
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        options = f"-h '' -k {self.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
                  "-w", "-t", "60", "start")
        import psycopg

        with psycopg.connect(f"host={self.dir} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE test")
        return self.url

    def stop(self) -> None:
        """Stop the server and remove its directory: nothing left behind."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                _kill_postmaster(self.data)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def choose() -> tuple[str, str, PrivatePostgres | None]:
    """(URL, a one-line description, the private server to stop or None), by the order above."""
    chosen = os.environ.get("DARIEN_TEST_PG", "")
    if chosen and chosen != "private":
        from sqlalchemy.engine import make_url

        return chosen, f"DARIEN_TEST_PG ({make_url(chosen).render_as_string(hide_password=True)})", None
    if chosen != "private" and machine_answers():
        return MACHINE_PG, "the machine's server at 127.0.0.1:5432", None
    reap_orphans()
    server = PrivatePostgres()
    url = server.__enter__()
    return url, f"a private server of this session's (pgserver's PostgreSQL) in {server.dir}", server


@contextmanager
def chosen_postgres() -> Iterator[str]:
    """For a whole program (the bench): the chosen server, exported as DARIEN_TEST_PG; its description."""
    url, shown, server = choose()
    saved = os.environ.get("DARIEN_TEST_PG")
    os.environ["DARIEN_TEST_PG"] = url
    try:
        yield shown
    finally:
        if saved is None:
            os.environ.pop("DARIEN_TEST_PG", None)
        else:
            os.environ["DARIEN_TEST_PG"] = saved
        if server is not None:
            server.stop()
