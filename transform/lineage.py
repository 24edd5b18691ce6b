"""The lineage every parsed figure carries: the document version it came from, the pipeline that read it, whose publication it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from darien.contract import PIPELINE_VERSION

if TYPE_CHECKING:
    import pandas as pd


def with_lineage(frame: pd.DataFrame, columns: dict[str, str], *, source_url: str, sha256: str,
                 source_kind: str) -> pd.DataFrame:
    """`frame` (a reader's figures) with its lineage set, as `columns` (contract.COLUMNS or ANNUAL_COLUMNS) in their order and dtypes.

    load_id and loaded_at stay empty: load/ sets them.
    """
    import pandas as pd

    frame = frame.assign(source_url=source_url, source_sha256=sha256,
                         pipeline_version=PIPELINE_VERSION, source_kind=source_kind)
    missing = {name: pd.Series(index=frame.index, dtype=dtype)
               for name, dtype in columns.items() if name not in frame.columns}
    return frame.assign(**missing)[list(columns)].astype(columns).reset_index(drop=True)
