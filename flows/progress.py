"""A progress bar for backfills started from a terminal (rich); nothing elsewhere (deployments, CI)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

_bar = None  # (Progress, task id) while a terminal command shows one


@contextmanager
def shown(description: str) -> Iterator[None]:
    """Show a bar on stderr for the block, when stderr is a terminal."""
    global _bar
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True)) as progress:
        _bar = (progress, progress.add_task(description, total=None))
        try:
            yield
        finally:
            _bar = None


def expect(documents: int) -> None:
    """Documents the bar counts up to."""
    if _bar:
        _bar[0].update(_bar[1], total=documents)


def advance(note: str = "") -> None:
    """One document done."""
    if _bar:
        _bar[0].update(_bar[1], advance=1, description=note or _bar[0].tasks[0].description)
