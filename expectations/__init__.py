"""Expectations: the Great Expectations suites that decide whether a batch may load, and quarantine.

Importing this package does not import GX (about 3 s and 240 MB): only validate() does.
"""

from expectations.context import GateError
from expectations.gate import validate
from expectations.quarantine import quarantine
from expectations.verdict import Verdict

__all__ = ["GateError", "Verdict", "quarantine", "validate"]
