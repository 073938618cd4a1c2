"""``overblik temaer``: each member's seat holders' fagområder against the network's themes.

A cell counts the municipality's seat holders with that fagområde (0–3), so KL sees which themes a
coming meeting can expect expertise for; the row on top counts the municipalities per theme.
Fagområder match themes regardless of case, spacing and æ/ae, ø/oe, å/aa spelling.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.reports import labels
from bot.reports.figure import (
    FONT,
    MUTED,
    RENDER_LOCK,
    TEXT,
    WIDTH_PX,
    PixelTransform,
    axes_px,
    new_figure,
    pixel_transform,
    to_png,
)
from bot.reports.grid import ROW_PX, group_by_region
from bot.reports.inputs import ThemeRow

# Near-white for none, then three steps of blue for one, two and three (or more) holders: the
# steps differ in lightness, so they read without colour vision too. No number in each cell: some
# 800 text draws would double the time of the picture for what the legend already says.
COUNT_COLOURS = ("#f3f3f3", "#c6dbef", "#6baed6", "#2171b5")
FOCUS_EDGE = "#e08214"

_TOP_PX = 210.0  # title, subtitle, legend, slanted theme names and the totals row
_BOTTOM_PX = 24.0
_GRID_LEFT_PX = 250.0
_RIGHT_PX = 90.0  # room for the last slanted theme name
_MAX_CELL_PX = 80.0
_FOLDS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa"})


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().translate(_FOLDS).split())


@dataclass(frozen=True, slots=True)
class ThemesPicture:
    png: bytes
    width: int
    height: int
    themes: tuple[str, ...]  # the columns, left to right
    rows: tuple[int, ...]  # member codes, top to bottom
    counts: tuple[tuple[int, ...], ...]  # per member row, holders per theme
    totals: tuple[int, ...]  # per theme, members with at least one holder in it
    grid: PixelTransform  # cell (column i, grid row j) is centred on data point (i, j)
    grid_rows: tuple[int | None, ...]

    def cell_pixel(self, code: int, theme: str) -> tuple[int, int]:
        return self.grid.to_pixel(self.themes.index(theme), self.grid_rows.index(code))


def count_expertise(row: ThemeRow, themes: Sequence[str]) -> tuple[int, ...]:
    """How many of the row's seat holders have each theme among their fagområder."""
    held = [{fold(f) for f in holder} for holder in row.holders]
    return tuple(sum(1 for areas in held if fold(theme) in areas) for theme in themes)


def _colour(count: int) -> str:
    return COUNT_COLOURS[min(count, len(COUNT_COLOURS) - 1)]


def render_themes(
    rows: Sequence[ThemeRow],
    themes: Sequence[str],
    *,
    as_of: date,
    focus: Sequence[str] = (),
) -> ThemesPicture:
    """The matrix as a PNG 1,000 px wide; ``focus`` names the coming meeting's themes."""
    if not themes:
        raise ValueError("the network has no themes to show")
    themes = tuple(themes)
    grid_rows = group_by_region([(r.code, r.name, r.region) for r in rows])
    by_code = {r.code: count_expertise(r, themes) for r in rows}
    member_rows = tuple(row.code for row in grid_rows if row.code is not None)
    totals = tuple(
        sum(1 for code in member_rows if by_code[code][i] > 0) for i in range(len(themes))
    )
    focused = {fold(t) for t in focus}

    cell_px = min(_MAX_CELL_PX, (WIDTH_PX - _GRID_LEFT_PX - _RIGHT_PX) / len(themes))
    grid_height = ROW_PX * len(grid_rows)
    height = round(_TOP_PX + grid_height + _BOTTOM_PX)

    with RENDER_LOCK:
        import numpy as np
        from matplotlib.colors import to_rgb
        from matplotlib.patches import Patch, Rectangle

        image = np.ones((len(grid_rows), len(themes), 3))
        for j, row in enumerate(grid_rows):
            if row.code is not None:
                for i, count in enumerate(by_code[row.code]):
                    image[j, i] = to_rgb(_colour(count))

        figure = new_figure(WIDTH_PX, height)
        figure.text(
            20 / WIDTH_PX,
            1 - 16 / height,
            labels.themes_title(as_of),
            fontsize=15,
            fontweight="bold",
            color=TEXT,
            family=FONT,
            parse_math=False,
            va="top",
        )
        subtitle = labels.THEMES_SUBTITLE + (f"   {labels.THEMES_FOCUS}" if focused else "")
        figure.text(
            20 / WIDTH_PX,
            1 - 46 / height,
            subtitle,
            fontsize=10.5,
            color=MUTED,
            family=FONT,
            parse_math=False,
            va="top",
        )
        handles = [
            Patch(facecolor=colour, edgecolor="#cccccc", label=str(count) if count < 3 else "3+")
            for count, colour in enumerate(COUNT_COLOURS)
        ]
        figure.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(14 / WIDTH_PX, 1 - 66 / height),
            ncols=len(handles),
            frameon=False,
            prop={"family": FONT, "size": 10},
            handlelength=1.4,
            columnspacing=1.6,
        )

        axes = axes_px(figure, _GRID_LEFT_PX, _TOP_PX, cell_px * len(themes), grid_height)
        axes.imshow(image, aspect="auto", interpolation="nearest")
        axes.set_xlim(-0.5, len(themes) - 0.5)
        axes.set_ylim(len(grid_rows) - 0.5, -0.5)
        axes.set_axis_off()
        axes.vlines(
            [i + 0.5 for i in range(len(themes) - 1)],
            -0.5,
            len(grid_rows) - 0.5,
            colors="white",
            linewidths=2,
        )
        axes.hlines(
            [j + 0.5 for j in range(len(grid_rows) - 1)],
            -0.5,
            len(themes) - 0.5,
            colors="white",
            linewidths=1,
        )

        per_px = 1 / cell_px
        total_y = -0.5 - 16 / ROW_PX
        axes.text(
            -0.5 - 14 * per_px,
            total_y,
            labels.THEMES_TOTAL,
            ha="right",
            va="center",
            fontsize=8.5,
            color=TEXT,
            family=FONT,
            parse_math=False,
            style="italic",
        )
        for i, theme in enumerate(themes):
            focus_here = fold(theme) in focused
            axes.text(
                i,
                total_y,
                str(totals[i]),
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                color=TEXT,
                family=FONT,
                parse_math=False,
            )
            axes.text(
                i - 0.2,
                total_y - 18 / ROW_PX,
                ("▲ " if focus_here else "") + theme,
                ha="left",
                va="bottom",
                rotation=35,
                rotation_mode="anchor",
                fontsize=9,
                fontweight="bold" if focus_here else "normal",
                color=FOCUS_EDGE if focus_here else TEXT,
                family=FONT,
                parse_math=False,
            )
            if focus_here:
                axes.add_patch(
                    Rectangle(
                        (i - 0.5, -0.5),
                        1,
                        len(grid_rows),
                        fill=False,
                        edgecolor=FOCUS_EDGE,
                        linewidth=2,
                        clip_on=False,
                        zorder=3,
                    )
                )

        label_x = -0.5 - 14 * per_px
        region_x = -0.5 - (_GRID_LEFT_PX - 20) * per_px
        for j, row in enumerate(grid_rows):
            if row.code is None:
                axes.text(
                    region_x,
                    j,
                    row.label,
                    ha="left",
                    va="center",
                    fontsize=8.5,
                    fontweight="bold",
                    color=TEXT,
                    family=FONT,
                    parse_math=False,
                )
                continue
            axes.text(
                label_x,
                j,
                row.label,
                ha="right",
                va="center",
                fontsize=8,
                color=TEXT,
                family=FONT,
                parse_math=False,
            )
        png = to_png(figure)
        grid = pixel_transform(axes, png.height)

    return ThemesPicture(
        png=png.data,
        width=png.width,
        height=png.height,
        themes=themes,
        rows=member_rows,
        counts=tuple(by_code[code] for code in member_rows),
        totals=totals,
        grid=grid,
        grid_rows=tuple(row.code for row in grid_rows),
    )
