"""What both charts share: the legend beside the plot, never over it, and a caption kept inside the figure."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LEGEND_WIDTH = 2.0  # inches the figure grows by to hold the legend at the right of the plot
CHAR_WIDTH = 0.6  # a character's width in DejaVu Sans, in ems, at the most for prose (a generous guess)


def legend_beside(ax: Axes, handles: list | None = None, fontsize: float = 8) -> None:
    """The legend to the right of the plot, its top at the plot's top: inside the plot it covered the bars
    and the total labels of the first years (tight_layout then leaves room for it inside the figure)."""
    kwargs = {"handles": handles} if handles is not None else {}
    ax.legend(**kwargs, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=fontsize,
              frameon=False)


def caption(fig: Figure, text: str, fontsize: float) -> float:
    """`text` at the bottom left of the figure, wrapped to its width; the fraction of the height it takes.

    Wrapped here, not by matplotlib's wrap=True, so that the lines drawn are the lines measured."""
    per_line = int(fig.get_figwidth() * 72 * 0.98 / (fontsize * CHAR_WIDTH))
    lines = textwrap.wrap(text, per_line) or [""]
    fig.text(0.01, 0.01, "\n".join(lines), fontsize=fontsize, va="bottom", ha="left")
    return 0.01 + len(lines) * fontsize * 1.25 / 72 / fig.get_figheight() + 0.01
