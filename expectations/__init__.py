"""Expectations: the Great Expectations suites that decide whether a batch may load, and quarantine.

Importing this package does not import GX (about 3 s and 240 MB): only validate() does,
in the process that calls it (a ValidatorPool's workers, in a run; `validators` keeps
them for the process's next run).
"""

from expectations.context import GateError
from expectations.gate import validate
from expectations.pool import ValidationCrashed, ValidatorPool, validators
from expectations.quarantine import quarantine
from expectations.verdict import Verdict
from expectations.versions import continuity, year_totals

__all__ = ["GateError", "ValidationCrashed", "ValidatorPool", "Verdict", "continuity", "quarantine",
           "validate", "validators", "year_totals"]
