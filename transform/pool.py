"""Long-lived parser worker processes, with a time and memory limit per document.

Workers are started with forkserver (spawn where unavailable) so they inherit nothing of
the flow's process: neither Prefect nor Great Expectations is imported in them. A worker
that dies is replaced: the document it held gets a WorkerCrashed error, the pool goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from darien.contract import Batch
from transform.errors import ParseError, ParseMemoryError, ParseTimeout, WorkerCrashed, document_name


_memory_limit = 0  # bytes of address space this worker may use; 0: no limit


def _exit_with(owner: int) -> None:
    """Exit this worker when the process that owns the pool dies, even by SIGKILL.

    Nothing else tells a worker: it holds both ends of its own call queue, so it never
    sees end-of-file, and it would live on holding the dead run's stdout and stderr.
    """
    import select

    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux >= 5.3, or the owner is already gone
        handle = None
    if handle is None:
        while _alive(owner):
            threading.Event().wait(1.0)
    else:
        select.select([handle], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _initialise(memory_mb: int | None, owner: int) -> None:
    global _memory_limit
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()
    # Import the parser once per worker, not once per document.
    import pdfplumber  # noqa: F401

    import transform.document  # noqa: F401
    import transform.pdf  # noqa: F401

    if memory_mb:
        import resource

        _memory_limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (_memory_limit, _memory_limit))


def _hit_memory_limit() -> bool:
    # Allocation failures inside C extensions surface as odd errors (SystemError, a
    # "truncated" PDF): the process's peak address space tells what really happened.
    if not _memory_limit:
        return False
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    found = re.search(r"VmPeak:\s+(\d+) kB", status)
    return bool(found) and int(found.group(1)) * 1024 >= 0.9 * _memory_limit


def _parse(path: Path, source_url: str | None, sha256: str | None, timeout_s: float) -> Batch:
    from transform.document import parse_document

    name = document_name(path, source_url)
    expired = []

    def expire(signum, frame):
        expired.append(True)
        raise ParseTimeout(name, f"parsing took longer than {timeout_s:g} s")

    def timed_out() -> ParseTimeout:
        return ParseTimeout(name, f"parsing took longer than {timeout_s:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        batch = parse_document(path, source_url=source_url, sha256=sha256)
    except MemoryError:
        raise ParseMemoryError(name, f"parsing needed more than the worker's {_memory_limit >> 20} MB") from None
    except Exception as err:
        # pdfminer catches and re-wraps some exceptions: once the alarm fired, it is a timeout.
        if expired:
            raise timed_out() from None
        if isinstance(err, ParseError) and not isinstance(err, (ParseMemoryError, ParseTimeout)) \
                and _hit_memory_limit():
            raise ParseMemoryError(name, f"parsing needed more than the worker's {_memory_limit >> 20} MB") from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if expired:
        raise timed_out()  # the alarm was swallowed somewhere: the batch may be incomplete
    return batch


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class ParserPool:
    """A context manager owning `workers` parser processes; `submit` returns a Future[Batch]."""

    def __init__(self, workers: int, timeout_s: float, memory_mb: int | None = None) -> None:
        self.workers = max(1, int(workers))
        self.timeout_s = float(timeout_s)
        self.memory_mb = memory_mb
        self._lock = threading.RLock()  # _dispatch replaces a broken executor while holding it
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ParserPool":
        self._executor = self._new_executor()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=_context(),
                                   initializer=_initialise, initargs=(self.memory_mb, os.getpid()))

    def submit(self, path: Path, *, source_url: str | None = None,
               sha256: str | None = None) -> "Future[Batch]":
        """Parse `path` in a worker; the future's result raises ParseError on failure."""
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        self._dispatch(outer, Path(path), source_url, sha256)
        return outer

    def _dispatch(self, outer: Future, path: Path, source_url, sha256) -> None:
        with self._lock:
            if self._executor is None:
                raise RuntimeError("ParserPool is not open: use it as a context manager")
            executor = self._executor
            try:
                inner = executor.submit(_parse, path, source_url, sha256, self.timeout_s)
            except BrokenProcessPool:
                self._replace(executor)
                inner = self._executor.submit(_parse, path, source_url, sha256, self.timeout_s)

        def settle(done: Future) -> None:
            error = done.exception()
            if error is None:
                outer.set_result(done.result())
            elif isinstance(error, BrokenProcessPool):
                self._replace(executor)
                outer.set_exception(WorkerCrashed(
                    document_name(path, source_url), "the parser worker process died (crash or killed by the system)"))
            elif isinstance(error, ParseError):
                outer.set_exception(error)
            else:
                outer.set_exception(ParseError(document_name(path, source_url), f"{type(error).__name__}: {error}"))

        inner.add_done_callback(settle)

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = self._new_executor()
                broken.shutdown(wait=False, cancel_futures=True)
