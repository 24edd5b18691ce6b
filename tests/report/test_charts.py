"""Both charts, measured with matplotlib's renderer: the legend meets no bar and no text, and lies inside the figure."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import load
from report.news import figure as monthly_figure
from report.series import figure as series_figure

FIGURES = {"monthly": monthly_figure, "series": series_figure}


@pytest.fixture(params=["snm", "both"])
def published(request, engine, nat_batch, batch_2022, batch_2023):
    """SNM's two real files alone (2022 and 2023: the series' first bar is where the legend used to sit), or after
    the re-publication (2010 to April 2025)."""
    if request.param == "both":
        load.publish(engine, nat_batch)
    load.publish(engine, batch_2022)
    load.publish(engine, batch_2023)
    return engine


def _drawn(fig):
    """The figure drawn, its renderer, and its one axes' legend."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    [ax] = fig.axes
    return renderer, ax, ax.get_legend()


def _texts(fig, ax):
    """Every text drawn: the bars' labels, the title, the axis and tick labels, the caption."""
    texts = [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels(),
             *fig.texts]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("chart", sorted(FIGURES))
def test_the_legend_meets_no_bar_and_no_label_and_lies_inside_the_figure(published, chart):
    import matplotlib.pyplot as plt

    fig = FIGURES[chart](published)
    try:
        renderer, ax, legend = _drawn(fig)
        box = legend.get_window_extent(renderer)
        bars = [p for p in ax.patches if p.get_height() > 0]
        texts = _texts(fig, ax)
        assert len(bars) > 10 and (chart == "monthly" or len(ax.texts) >= 2)  # the series labels each total
        assert [p for p in bars if box.overlaps(p.get_window_extent(renderer))] == []
        assert [t.get_text() for t in texts if box.overlaps(t.get_window_extent(renderer))] == []
        inside = fig.bbox
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
        for text in fig.texts:  # the caption, wrapped to the figure's width
            extent = text.get_window_extent(renderer)
            assert inside.x0 <= extent.x0 and extent.x1 <= inside.x1, text.get_text()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("chart", sorted(FIGURES))
def test_the_legend_names_regions_in_the_warehouse_s_english(published, chart):
    import matplotlib.pyplot as plt

    with published.connect() as conn:
        english = dict(conn.execute(sa.text("select category, name_en from dim_region")).all())
    fig = FIGURES[chart](published)
    try:
        labels = [t.get_text() for t in _drawn(fig)[2].get_texts()]
    finally:
        plt.close(fig)
    assert "Caribbean" in labels and "the Caribbean" not in labels and "Antillas" not in labels
    assert set(labels) - set(english.values()) <= {"not assigned to a region", "partial year (months so far)"}
