"""Report: what the warehouse says, for people: a news-style summary with a chart, the series since 2010, and the run status.

Every number is queried from the warehouse; nothing here writes to it.
"""

from report import series
from report.news import YearFigures, chart, latest_month, latest_year, paragraph, source_line, write, year_figures
from report.status import Status, status

__all__ = ["Status", "YearFigures", "chart", "latest_month", "latest_year", "paragraph", "series", "source_line",
           "status", "write", "year_figures"]
