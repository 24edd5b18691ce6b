"""Long-lived validator processes: Great Expectations imported and its context opened once per worker.

GX spends about 0.4 s of CPU per document on its fixed cost per expectation; run in the
flow's own process, that serialises every document. Validator workers (darien.workers)
import GX but not Prefect, open the gx_dir context once, and validate side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from darien.contract import Batch
from darien.workers import WorkerPool
from expectations.context import GateError
from expectations.verdict import Verdict


class ValidationCrashed(RuntimeError):
    """A validator worker died, or GX itself failed, while validating one document (one line)."""


def _open(gx_dir: Path, docs_dir: Path) -> None:
    from expectations.context import open_gate

    try:
        open_gate(gx_dir, docs_dir)  # imports GX and sets up the context, before the first document
    except GateError:
        pass  # each validation raises it again, for the run to report


def _validate(batch: Batch, gx_dir: Path, docs_dir: Path, jump_factor: float, previous, accepted: bool) -> Verdict:
    from expectations.gate import validate

    return validate(batch, gx_dir=gx_dir, docs_dir=docs_dir, jump_factor=jump_factor,
                    previous=previous, accepted=accepted)


def _errors(name: str, error: BaseException) -> BaseException:
    if isinstance(error, GateError):
        return error
    if isinstance(error, BrokenProcessPool):
        return ValidationCrashed(f"{name}: the validator worker process died (crash or killed by the system)")
    return ValidationCrashed(f"{name}: validation could not run: {type(error).__name__}: {error}")


# What a validator's forkserver imports once, for all of its owner's validators: Great Expectations
# (about 4 s of CPU) and the gate. The context under gx_dir is still opened by each worker.
PRELOAD = ("great_expectations", "great_expectations.expectations", "expectations.gate", "expectations.context")


class ValidatorPool(WorkerPool):
    """A context manager owning `workers` validator processes; `submit` returns a Future[Verdict]."""

    def __init__(self, workers: int, *, gx_dir: Path, docs_dir: Path, jump_factor: float = 10.0) -> None:
        self._aim(gx_dir, docs_dir, jump_factor)
        super().__init__(workers, _open, (self.gx_dir, self.docs_dir), _errors, preload=PRELOAD)

    def _aim(self, gx_dir: Path, docs_dir: Path, jump_factor: float) -> None:
        """Where the next submissions' suites, Data Docs and jump factor come from (a worker opens any gx_dir)."""
        self.gx_dir, self.docs_dir = Path(gx_dir).resolve(), Path(docs_dir).resolve()
        self.jump_factor = float(jump_factor)

    def submit(self, batch: Batch, *, previous=None, accepted: bool = False) -> "Future[Verdict]":
        """Validate `batch` in a worker (see expectations.validate for `previous` and `accepted`)."""
        return self.run(_validate, batch, self.gx_dir, self.docs_dir, self.jump_factor, previous, accepted,
                        name=batch.file_name)


_kept: dict[int, ValidatorPool] = {}  # workers -> an open pool no run is using
_kept_lock = threading.Lock()


@contextmanager
def validators(workers: int, *, gx_dir: Path, docs_dir: Path, jump_factor: float = 10.0) -> Iterator[ValidatorPool]:
    """A ValidatorPool for one run, whose worker processes the process keeps for its next run.

    Great Expectations is imported once per process, by the forkserver the validators are forked
    from (darien.workers, about 4 s of CPU); each validator still opens the context and holds
    its memory, so a process that runs several flows (the tests, a notebook) starts them once,
    as joblib's reusable executor does. A `darien` command, or a deployment's run, is a process
    of its own: its pool ends with it. Two runs at once get a pool each; a run that raises closes its pool.
    """
    with _kept_lock:
        pool = _kept.pop(workers, None)
    if pool is None:
        pool = ValidatorPool(workers, gx_dir=gx_dir, docs_dir=docs_dir, jump_factor=jump_factor).__enter__()
    else:
        pool._aim(gx_dir, docs_dir, jump_factor)
    try:
        yield pool
    except BaseException:
        pool.__exit__(None, None, None)
        raise
    with _kept_lock:
        spare = _kept.setdefault(workers, pool) is not pool
    if spare:
        pool.__exit__(None, None, None)
