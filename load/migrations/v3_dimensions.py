"""Version 3: dim_country, dim_region and the views that join them (load/dimensions.py)."""

from __future__ import annotations

import sqlalchemy as sa

from load import dimensions


def apply(conn: sa.Connection) -> None:
    dimensions.create(conn)
