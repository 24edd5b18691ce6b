"""The machine's processes as /proc lists them: one walker for every test (and the bench) that looks for
a server's children, a killed run's strays or a process group left behind."""

from __future__ import annotations

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
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name in parentheses may hold spaces: the fields start after its last ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found.append(Process(int(entry.name), fields[0], int(fields[1]), int(fields[2]), int(fields[3])))
    return found


def command_line(pid: int) -> str:
    """The process's arguments joined by spaces; "" once it has gone."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""
