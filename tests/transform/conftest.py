"""Make the real `transform` package importable ahead of this test folder of the same name."""

from __future__ import annotations

import sys
from pathlib import Path

# pytest puts tests/ first on sys.path, where this folder would shadow the real `transform`
# package as a namespace package; the project root must come first (until pyproject sets
# `pythonpath = ["."]`). A stale namespace import is dropped so the real package loads.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if getattr(sys.modules.get("transform"), "__file__", "") is None:
    del sys.modules["transform"]
