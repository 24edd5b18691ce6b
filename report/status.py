"""The warehouse's state for the people running it: recent loads, freshness, quarantine."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa


@dataclass
class Status:
    loads: pd.DataFrame  # the last loads, newest first
    as_of: pd.DataFrame  # per year: the as_of, status and source of the published figures
    quarantined: pd.DataFrame  # every document version still in quarantine or failed

    def markdown(self) -> str:
        """The three tables as markdown, for the terminal and for Prefect artifacts."""
        parts = []
        for title, frame in (("Figures published, by year", self.as_of),
                             ("Last loads", self.loads),
                             ("Quarantined or failed documents", self.quarantined)):
            body = frame.to_markdown(index=False) if not frame.empty else "(none)"
            parts.append(f"### {title}\n\n{body}")
        return "\n\n".join(parts)


def _frame(conn: sa.Connection, sql: str) -> pd.DataFrame:
    return pd.read_sql(sa.text(sql), conn)


def status(engine: sa.Engine, last: int = 10) -> Status:
    """Recent loads, the newest as_of per year, and the documents waiting in quarantine."""
    with engine.connect() as conn:
        return Status(
            loads=_frame(conn, f"""
                select finished_at, source_url, substr(source_sha256, 1, 12) as sha256,
                       inserted, updated, deleted, unchanged
                from etl_loads order by finished_at desc limit {int(last)}"""),
            as_of=_frame(conn, "select * from v_latest_as_of order by year"),
            quarantined=_frame(conn, """
                select status, year, url, substr(sha256, 1, 12) as sha256, error
                from etl_documents where status in ('quarantined', 'failed')
                order by last_checked_at desc"""),
        )
