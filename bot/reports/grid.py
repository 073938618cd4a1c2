"""What the heatmap and the themes matrix share: members grouped by region, one row each, drawn as
a grid of coloured cells under a title, a subtitle and a legend, with names on the left.

Regions come in the order they first appear in the input, members within a region in input order:
the caller already sorts municipalities (by region, then Danish alphabet) for its selects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reports.figure import FONT, TEXT, WIDTH_PX, axes_px

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ROW_PX = 13.0  # 8-point names on 13-pixel rows: 98 members and 5 region heads stay legible
LEFT_MARGIN_PX = 20.0
_NAME_GAP_PX = 16.0  # between a name and the cells: room for the red mark of a member to call
# A region's row is a band across the names and the cells, its name on it: the heading sits on
# the row it heads, and the members under it read as its group.
REGION_BAND = "#e3e9f0"
_NAME_SIZE, _REGION_SIZE = 8.0, 8.5


@dataclass(frozen=True, slots=True)
class GridRow:
    """A row of the grid: either a region's heading (code is None) or a member municipality."""

    label: str
    code: int | None


def group_by_region(members: Sequence[tuple[int, str, str]]) -> list[GridRow]:
    """(code, name, region) triples → region headings followed by their members."""
    regions: dict[str, list[tuple[int, str]]] = {}
    seen: set[int] = set()
    for code, name, region in members:
        if code in seen:
            raise ValueError(f"municipality {code} appears twice")
        seen.add(code)
        regions.setdefault(region, []).append((code, name))
    rows: list[GridRow] = []
    for region, entries in regions.items():
        rows.append(GridRow(region, None))
        rows.extend(GridRow(name, code) for code, name in entries)
    return rows


def grid_left_px(figure: Figure, rows: Sequence[GridRow], also: Sequence[str] = ()) -> float:
    """Where the cells begin: right of the widest member name (measured as drawn, in bold, as a
    flagged name is) and of the ``also`` labels beside the grid, so the cells get the rest."""
    from matplotlib.font_manager import FontProperties

    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    name_font = FontProperties(family=FONT, size=_NAME_SIZE, weight="bold")
    other_font = FontProperties(family=FONT, size=_REGION_SIZE, weight="bold")
    widths = [
        renderer.get_text_width_height_descent(row.label, name_font, ismath=False)[0]
        for row in rows
        if row.code is not None
    ]
    widths += [
        renderer.get_text_width_height_descent(text, other_font, ismath=False)[0] for text in also
    ]
    return math.ceil(LEFT_MARGIN_PX + max(widths, default=0.0) + _NAME_GAP_PX)


def draw_heading(
    figure: Figure,
    height: int,
    title: str,
    subtitle: str,
    subtitle_colour: str,
    legend: Sequence[Artist],
) -> None:
    """Title, subtitle and a one-line legend at the top of a grid picture."""
    figure.text(
        LEFT_MARGIN_PX / WIDTH_PX,
        1 - 16 / height,
        title,
        fontsize=15,
        fontweight="bold",
        color=TEXT,
        family=FONT,
        parse_math=False,
        va="top",
    )
    figure.text(
        LEFT_MARGIN_PX / WIDTH_PX,
        1 - 46 / height,
        subtitle,
        fontsize=10.5,
        color=subtitle_colour,
        family=FONT,
        parse_math=False,
        va="top",
    )
    figure.legend(
        handles=legend,
        loc="upper left",
        bbox_to_anchor=(14 / WIDTH_PX, 1 - 66 / height),
        ncols=len(legend),
        frameon=False,
        prop={"family": FONT, "size": 10},
        handlelength=1.4,
        columnspacing=1.6,
    )


def draw_cells(
    figure: Figure,
    rows: Sequence[GridRow],
    columns: int,
    colour_of: Callable[[int, int], str],
    *,
    top_px: float,
    left_px: float,
    cell_px: float,
) -> Axes:
    """The grid: cell (column i, row j) coloured ``colour_of(code, i)``, region rows a band,
    white lines between cells. Data point (i, j) is the centre of cell (i, j)."""
    import numpy as np
    from matplotlib.colors import to_rgb

    image = np.ones((len(rows), columns, 3))
    band = to_rgb(REGION_BAND)
    for j, row in enumerate(rows):
        for i in range(columns):
            image[j, i] = band if row.code is None else to_rgb(colour_of(row.code, i))

    axes = axes_px(figure, left_px, top_px, cell_px * columns, ROW_PX * len(rows))
    axes.imshow(image, aspect="auto", interpolation="nearest")
    axes.set_xlim(-0.5, columns - 0.5)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.set_axis_off()
    axes.vlines(
        [i + 0.5 for i in range(columns - 1)], -0.5, len(rows) - 0.5, colors="white", linewidths=2
    )
    axes.hlines(
        [j + 0.5 for j in range(len(rows) - 1)], -0.5, columns - 0.5, colors="white", linewidths=1
    )
    return axes


def region_band_x(left_px: float, cell_px: float) -> float:
    """The band's left end (and its heading's start) in the grid's data units."""
    return -0.5 - (left_px - LEFT_MARGIN_PX + 4) / cell_px


def label_rows(
    axes: Axes,
    rows: Sequence[GridRow],
    left_px: float,
    cell_px: float,
    *,
    flagged: Collection[int] = (),
    flag_colour: str = TEXT,
) -> None:
    """Region headings on their band, member names right-aligned against the cells; ``flagged``
    members in bold ``flag_colour`` with a small bar before their cells."""
    from matplotlib.patches import Rectangle

    per_px = 1 / cell_px  # data units per pixel along x
    label_x = -0.5 - 14 * per_px
    band_x = region_band_x(left_px, cell_px)
    for j, row in enumerate(rows):
        if row.code is None:
            axes.add_patch(
                Rectangle(
                    (band_x, j - 0.5),
                    -0.5 - band_x,
                    1,
                    facecolor=REGION_BAND,
                    edgecolor="none",
                    clip_on=False,
                )
            )
            axes.text(
                band_x + 4 * per_px,
                j,
                row.label,
                ha="left",
                va="center_baseline",
                fontsize=_REGION_SIZE,
                fontweight="bold",
                color=TEXT,
                family=FONT,
                parse_math=False,
            )
            continue
        flag = row.code in flagged
        axes.text(
            label_x,
            j,
            row.label,
            ha="right",
            va="center_baseline",
            fontsize=_NAME_SIZE,
            family=FONT,
            parse_math=False,
            color=flag_colour if flag else TEXT,
            fontweight="bold" if flag else "normal",
        )
        if flag:
            axes.add_patch(
                Rectangle(
                    (-0.5 - 10 * per_px, j - 0.4),
                    6 * per_px,
                    0.8,
                    facecolor=flag_colour,
                    edgecolor="none",
                    clip_on=False,
                )
            )
