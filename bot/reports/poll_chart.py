"""A poll's result as a horizontal bar chart: one bar per option, the number of municipalities
that chose it at its end. The same pipeline as ``overblik``'s pictures (``figure.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.reports.figure import FONT, MUTED, RENDER_LOCK, TEXT, Png, axes_px, new_figure, to_png

BAR = "#2166ac"
WIDTH_PX = 1000
ROW_PX = 56
TOP_PX = 90
BOTTOM_PX = 40
LABEL_PX = 390


def render_poll_chart(title: str, subtitle: str, counts: Sequence[tuple[str, int]]) -> Png:
    """``counts``: (option, municipalities) in the poll's order, drawn top to bottom."""
    height = TOP_PX + ROW_PX * max(1, len(counts)) + BOTTOM_PX
    highest = max([count for _, count in counts] + [1])
    with RENDER_LOCK:
        figure = new_figure(WIDTH_PX, height)
        figure.text(
            0.02,
            1 - 30 / height,
            _short(title, 70),
            fontsize=15,
            fontweight="bold",
            color=TEXT,
            family=FONT,
            parse_math=False,
        )
        figure.text(
            0.02,
            1 - 58 / height,
            subtitle,
            fontsize=11,
            color=MUTED,
            family=FONT,
            parse_math=False,
        )
        axes = axes_px(figure, LABEL_PX, TOP_PX, WIDTH_PX - LABEL_PX - 80, ROW_PX * len(counts))
        positions = list(range(len(counts)))
        axes.barh(positions, [count for _, count in counts], color=BAR, height=0.6)
        axes.set_ylim(len(counts) - 0.5, -0.5)
        axes.set_xlim(0, highest * 1.1)
        axes.set_yticks(positions)
        axes.set_yticklabels(
            [_short(label) for label, _ in counts], fontsize=11, color=TEXT, family=FONT
        )
        for tick in axes.get_yticklabels():
            tick.set_parse_math(False)  # a "$" in an option is text, not mathtext
        axes.set_xticks([])
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        for position, (_, count) in enumerate(counts):
            axes.text(
                count + highest * 0.01,
                position,
                str(count),
                va="center",
                fontsize=11,
                color=TEXT,
                family=FONT,
                parse_math=False,
            )
        return to_png(figure)


def _short(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
