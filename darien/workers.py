"""Long-lived worker processes: what the parser pool (transform) and the validator pool (expectations) share.

Workers start with forkserver (spawn where unavailable), so they inherit nothing of the
flow's process, not even the module it was started as (`_Popen`): a worker holds only its
kind's `preload` and what its initializer imports (the parser's neither Prefect nor Great
Expectations, the validator's no Prefect). Each kind has a forkserver of its own, which
imports the preload once for all of the process's workers of that kind (`_context`). Each
worker exits when the process that owns its pool dies, even by SIGKILL. A worker that dies
is replaced: the job it held fails with the error the pool's `errors` function makes of it,
and the pool goes on.
"""

from __future__ import annotations

import importlib
import io
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import context, forkserver, popen_forkserver, spawn, util


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


def _start(owner: int, preload: tuple[str, ...], initializer: Callable, initargs: tuple) -> None:
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()
    for module in preload:  # loaded already when forked from the kind's forkserver; imported here when spawned
        importlib.import_module(module)
    initializer(*initargs)


class _Popen(popen_forkserver.Popen):
    """The forkserver's launch (CPython 3.11's), from its pool kind's own forkserver, minus the parent's `__main__`.

    The standard launch has each new process import the module its parent was started as,
    before anything else: for a deployment's run (`python -m prefect.engine`) or `darien`,
    Prefect and its dependencies, about 1 s of CPU and 80 MB a worker.
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            context.reduction.dump(prep_data, buf)
            context.reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = _servers[process_obj.preload].connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # the child's sentinel of its parent, as the standard launch keeps it
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    preload: tuple[str, ...] = ()  # which forkserver forks it

    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


class _ForkServerContext(context.ForkServerContext):
    """Processes forked by a forkserver that imported `preload` once, before its first fork."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        self.preload = preload

    def Process(self, *args, **kwargs):
        process = _Process(*args, **kwargs)
        process.preload = self.preload
        return process


_servers: dict[tuple[str, ...], forkserver.ForkServer] = {}  # a pool kind's preload -> its forkserver
_servers_lock = threading.Lock()


def _context(preload: tuple[str, ...]):
    """A start context whose processes begin with `preload` imported, at the cost of one import per owner.

    Each pool kind has a forkserver of its own, started with its first worker: it imports that
    kind's modules (Great Expectations for the validators, about 4 s of CPU) once, and every
    worker of that kind forked from it starts with them, in this process's life. A parser
    worker's forkserver imports only the parser, so a parser imports neither Prefect nor GX.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    with _servers_lock:
        if preload not in _servers:
            _servers[preload] = forkserver.ForkServer()
            _servers[preload].set_forkserver_preload(list(preload))  # not `__main__`, as the default has it
    return _ForkServerContext(preload)


class WorkerPool:
    """A context manager owning `workers` processes; `run(fn, *args, name=...)` returns a Future.

    `errors(name, error)` turns what a job raised into the error its future raises;
    `error` is a BrokenProcessPool when the worker died while holding the job.
    """

    def __init__(self, workers: int, initializer: Callable, initargs: tuple,
                 errors: Callable[[str, BaseException], BaseException], preload: tuple[str, ...] = ()) -> None:
        self.workers = max(1, int(workers))
        self._initializer = initializer
        self._initargs = initargs
        self._errors = errors
        self._preload = tuple(preload)
        self._lock = threading.RLock()  # _run replaces a broken executor while holding it
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self):
        self._executor = self._new_executor()
        for _ in range(self.workers):  # start every worker now: their imports overlap the first jobs
            self._executor.submit(int)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers running now, sorted (none once the pool is closed)."""
        with self._lock:
            executor = self._executor
        return sorted(getattr(executor, "_processes", None) or ())

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=_context(self._preload), initializer=_start,
                                   initargs=(os.getpid(), self._preload, self._initializer, self._initargs))

    def run(self, fn: Callable, *args, name: str) -> Future:
        """Run `fn(*args)` in a worker; `name` names the job in the error if its worker dies."""
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        with self._lock:
            if self._executor is None:
                raise RuntimeError(f"{type(self).__name__} is not open: use it as a context manager")
            executor = self._executor
            try:
                inner = executor.submit(fn, *args)
            except BrokenProcessPool:
                self._replace(executor)
                inner = self._executor.submit(fn, *args)

        def settle(done: Future) -> None:
            error = done.exception()
            if error is None:
                outer.set_result(done.result())
                return
            if isinstance(error, BrokenProcessPool):
                self._replace(executor)
            outer.set_exception(self._errors(name, error))

        inner.add_done_callback(settle)
        return outer

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = self._new_executor()
                broken.shutdown(wait=False, cancel_futures=True)
