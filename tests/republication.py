"""The re-publication's real R data files (gdidata) as Batches, for tests that load them without the flow.

Minimal on purpose: it reads with the parser's own `transform.rdata.read_rdata` and only
adds what the parser's routing to a Batch adds (the annual rows' lineage).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from darien import contract

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "republication"
NAT = FIXTURES / "irreg_darien_nat.rda"  # 2010-2019 annual by nationality, then monthly to April 2025
DMG = FIXTURES / "irreg_darien_dmg.rda"  # monthly by sex, 2021 to April 2025
RAW_URL = "https://raw.githubusercontent.com/iom/gdidata/master/data/"


def republication_batch(path: Path, *, url: str | None = None) -> contract.Batch:
    """The Batch of one gdidata .rda file, as the flow would publish it (source_kind `republication`)."""
    import pandas as pd

    from transform.rdata import read_rdata

    url = url or RAW_URL + path.name
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    data = read_rdata(path, source_url=url, sha256=sha256)
    annual = data.annual.assign(source_url=url, source_sha256=sha256, pipeline_version=contract.PIPELINE_VERSION,
                                source_kind="republication")
    empty = {name: pd.Series(index=annual.index, dtype=dtype)  # load_id, loaded_at: set by load/
             for name, dtype in contract.ANNUAL_COLUMNS.items() if name not in annual}
    annual = annual.assign(**empty)[list(contract.ANNUAL_COLUMNS)].astype(contract.ANNUAL_COLUMNS)
    return contract.Batch(source_url=url, source_sha256=sha256, year=data.year, as_of=data.as_of,
                          preliminary=data.preliminary, rows=data.rows, annual=annual,
                          reconciliation=contract.empty_reconciliation(), kind="rdata",
                          source_kind="republication")
