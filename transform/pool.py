"""Long-lived parser worker processes, with a time and memory limit per document.

The workers (darien.workers) import the parser and nothing else: neither Prefect nor
Great Expectations. A worker that dies is replaced: the document it held gets a
WorkerCrashed error, the pool goes on.
"""

from __future__ import annotations

import re
import signal
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from darien.contract import Batch
from darien.workers import WorkerPool
from transform.errors import ParseError, ParseMemoryError, ParseTimeout, WorkerCrashed, document_name


_memory_limit = 0  # bytes of address space this worker may use; 0: no limit


def _initialise(memory_mb: int | None) -> None:
    global _memory_limit
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
    # Then again every 0.25 s: pdfminer swallows some exceptions, and a swallowed alarm
    # would let a busy document run to its end.
    signal.setitimer(signal.ITIMER_REAL, timeout_s, 0.25)
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


def _errors(name: str, error: BaseException) -> ParseError:
    if isinstance(error, BrokenProcessPool):
        return WorkerCrashed(name, "the parser worker process died (crash or killed by the system)")
    if isinstance(error, ParseError):
        return error
    return ParseError(name, f"{type(error).__name__}: {error}")


# What every parser worker starts with: imported once per process, by the parsers' forkserver (darien.workers).
PRELOAD = ("pdfplumber", "transform.document", "transform.pdf")


class ParserPool(WorkerPool):
    """A context manager owning `workers` parser processes; `submit` returns a Future[Batch]."""

    def __init__(self, workers: int, timeout_s: float, memory_mb: int | None = None) -> None:
        super().__init__(workers, _initialise, (memory_mb,), _errors, preload=PRELOAD)
        self.timeout_s = float(timeout_s)

    def submit(self, path: Path, *, source_url: str | None = None,
               sha256: str | None = None) -> "Future[Batch]":
        """Parse `path` in a worker; the future's result raises ParseError on failure."""
        return self.run(_parse, Path(path), source_url, sha256, self.timeout_s,
                        name=document_name(path, source_url))
