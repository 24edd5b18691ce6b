"""The outcome of validating one batch: what the flow stores in the ledger and shows the operator."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Verdict:
    """Whether a batch may load, and why not: one line per failing (or warning) expectation."""

    success: bool
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    docs_url: str | None = None
    offending: list[str] = field(default_factory=list)  # the first rows the failures found, a phrase each (OFFENDING)

    def to_dict(self) -> dict:
        """The verdict as plain JSON-serialisable values."""
        return asdict(self)
