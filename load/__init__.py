"""Load: the warehouse schema, the document ledger, and the publish of validated batches.

Public API: `connect`, `connected`, `kept_open`, `ensure_schema`, `publish` (-> `LoadStats`), `previous_version`, `run_lock`, the
`ledger` module, and the errors `WarehouseError` and `WarehouseLocked`.
"""

from load import ledger
from load.lock import WarehouseLocked, run_lock
from load.migrations import ensure_schema
from load.publish import LoadStats, previous_version, publish
from load.warehouse import WarehouseError, connect, connected, kept_open, safe_url

__all__ = [
    "LoadStats", "WarehouseError", "WarehouseLocked", "connect", "connected", "ensure_schema", "kept_open",
    "ledger", "previous_version", "publish", "run_lock", "safe_url",
]
