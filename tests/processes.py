"""The machine's processes as /proc lists them: one walker for every test (and the bench) that looks for
a server's children, a killed run's strays or a process group left behind; and the folders a
session claims, so that a later session removes only those whose owner is dead."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    state: str  # R, S, D, Z (a zombie: exited, not yet reaped) ...
    ppid: int
    pgid: int
    sid: int

    @property
    def alive(self) -> bool:
        return self.state != "Z"


def processes() -> list[Process]:
    """Every process now, from /proc/<pid>/stat (those that exit while read are left out)."""
    return [p for entry in PROC.iterdir() if entry.name.isdigit() and (p := process(int(entry.name)))]


def process(pid: int) -> Process | None:
    """One process, from /proc/<pid>/stat; None once it has gone."""
    try:
        # The command name in parentheses may hold spaces: the fields start after its last ")".
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return Process(pid, fields[0], int(fields[1]), int(fields[2]), int(fields[3]))


def command_line(pid: int) -> str:
    """The process's arguments joined by spaces; "" once it has gone."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def started_at(pid: int) -> str | None:
    """The start time of process `pid` (a pid reused by another process has another), None if gone."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "?"


def claim(folder: Path) -> None:
    """Mark `folder` as this process's, for `owner_alive` in a later session."""
    (folder / "owner").write_text(f"{os.getpid()} {started_at(os.getpid())}")


def owner_alive(folder: Path) -> bool:
    """Whether the process that claimed `folder` still runs (the same process, not a reused pid)."""
    try:
        pid, started = (folder / "owner").read_text().split()
    except (OSError, ValueError):
        # No owner written yet: a session is making this one right now, unless it is old.
        return time.time() - folder.stat().st_mtime < 60
    now = started_at(int(pid))
    return now is not None and (now == started or now == "?")


def abandoned(prefix: str, tmp: Path | None = None) -> list[Path]:
    """The folders named `prefix`* in `tmp` (default: the system's temporary folder) whose owner is dead."""
    return [folder for folder in Path(tmp or tempfile.gettempdir()).glob(f"{prefix}*")
            if folder.is_dir() and not owner_alive(folder)]
