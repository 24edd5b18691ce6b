"""Long-lived validator processes: Great Expectations imported and its context opened once per worker.

GX spends about 0.4 s of CPU per document on its fixed cost per expectation; run in the
flow's own process, that serialises every document. Validator workers (darien.workers)
import GX but not Prefect, open the gx_dir context once, and validate side by side.
"""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
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


class ValidatorPool(WorkerPool):
    """A context manager owning `workers` validator processes; `submit` returns a Future[Verdict]."""

    def __init__(self, workers: int, *, gx_dir: Path, docs_dir: Path, jump_factor: float = 10.0) -> None:
        self.gx_dir, self.docs_dir = Path(gx_dir).resolve(), Path(docs_dir).resolve()
        super().__init__(workers, _open, (self.gx_dir, self.docs_dir), _errors)
        self.jump_factor = float(jump_factor)

    def submit(self, batch: Batch, *, previous=None, accepted: bool = False) -> "Future[Verdict]":
        """Validate `batch` in a worker (see expectations.validate for `previous` and `accepted`)."""
        return self.run(_validate, batch, self.gx_dir, self.docs_dir, self.jump_factor, previous, accepted,
                        name=batch.file_name)
