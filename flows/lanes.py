"""Work through a list a few items at a time, on threads that belong to the current flow run."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from typing import TypeVar

Item, Result = TypeVar("Item"), TypeVar("Result")


def in_lanes(items: Iterable[Item], lanes: int, work: Callable[[Item], Result]) -> list[Result]:
    """`work(item)` for every item, `lanes` at a time; the results in the items' order.

    Each lane runs in a copy of the caller's context, so a Prefect task it calls belongs
    to the caller's flow run. The first exception stops the other lanes after their current
    item and is raised: an operational error (the warehouse gone) ends the run.
    """
    queue, taking, stop = iter(enumerate(items)), threading.Lock(), threading.Event()
    results: dict[int, Result] = {}

    def lane() -> None:
        while not stop.is_set():
            with taking:
                i, item = next(queue, (None, None))
            if i is None:
                return
            try:
                results[i] = work(item)
            except BaseException:
                stop.set()
                raise

    with ThreadPoolExecutor(lanes) as pool:
        for running in [pool.submit(copy_context().run, lane) for _ in range(max(1, lanes))]:
            running.result()
    return [results[i] for i in sorted(results)]
