"""`darien status` and the warehouse-status artifact: each year's figures with their source kind and document."""

from __future__ import annotations

import load
import report
from tests.load.test_sources import SNM_URL, snm_2022
from tests.republication import NAT, RAW_URL


def test_each_year_s_figures_name_their_source_kind_and_document(republished):
    load.publish(republished, snm_2022())
    table = report.status(republished).as_of
    assert table.columns[:3] == ["year", "figures", "source_kind"]
    rows = {(r[0], r[1]): r for r in table.rows}
    assert set(rows) == {(y, "annual") for y in range(2010, 2020)} | {(y, "monthly") for y in range(2020, 2026)}
    source = table.columns.index("source_url")
    assert rows[(2017, "annual")][2] == "republication" and rows[(2017, "annual")][source] == RAW_URL + NAT.name
    assert rows[(2022, "monthly")][2] == "snm" and rows[(2022, "monthly")][source] == SNM_URL
    kind, as_of, preliminary = rows[(2025, "monthly")][2:5]
    assert (kind, str(as_of), preliminary) == ("republication", "2025-04-30", True)  # April 2025, the year's last month
    assert "### Figures published, by year and source" in report.status(republished).markdown()
