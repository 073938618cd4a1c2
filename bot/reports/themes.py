"""``overblik temaer``: each member's seat holders' fagområder against the network's themes.

A cell counts the municipality's seat holders with that fagområde (0–3), so KL sees which themes a
coming meeting can expect expertise for; the row on top counts the municipalities per theme.
Fagområder match themes regardless of case, spacing and æ/ae, ø/oe, å/aa spelling.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.reports.figure import (
    FONT,
    MUTED,
    RENDER_LOCK,
    TEXT,
    WIDTH_PX,
    PixelTransform,
    new_figure,
    outlines_at,
    pixel_transform,
    text_outline,
    to_png,
)
from bot.reports.grid import (
    ROW_PX,
    GridRow,
    draw_cells,
    draw_heading,
    grid_left_px,
    group_by_region,
    label_rows,
)
from bot.reports.inputs import ThemeRow
from bot.texts import reports as labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.path import Path

# Near-white for none, then three steps of blue for one, two and three (or more) holders: the
# steps differ in lightness, so they read without colour vision too. Each cell with holders also
# shows their number, as the subtitle says; an empty cell means none.
COUNT_COLOURS = ("#f3f3f3", "#c6dbef", "#6baed6", "#2171b5")
COUNT_TEXT = ("#222222", "#222222", "#ffffff", "#ffffff")  # readable on each step
FOCUS_EDGE = "#e08214"
_COUNT_POINTS = 7.5

_TOP_PX = 210.0  # title, subtitle, legend, slanted theme names and the totals row
_BOTTOM_PX = 24.0
_RIGHT_PX = 90.0  # room for the last slanted theme name
_MAX_CELL_PX = 100.0
_MIN_LEFT_PX, _MAX_LEFT_PX = 120.0, 250.0
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

    height = round(_TOP_PX + ROW_PX * len(grid_rows) + _BOTTOM_PX)

    with RENDER_LOCK:
        from matplotlib.patches import Patch, Rectangle

        figure = new_figure(WIDTH_PX, height)
        left_px = min(
            _MAX_LEFT_PX, max(_MIN_LEFT_PX, grid_left_px(figure, grid_rows, (labels.THEMES_TOTAL,)))
        )
        cell_px = min(_MAX_CELL_PX, (WIDTH_PX - left_px - _RIGHT_PX) / len(themes))
        subtitle = labels.THEMES_SUBTITLE + (f"   {labels.THEMES_FOCUS}" if focused else "")
        handles = [
            Patch(facecolor=colour, edgecolor="#cccccc", label=str(count) if count < 3 else "3+")
            for count, colour in enumerate(COUNT_COLOURS)
        ]
        draw_heading(figure, height, labels.themes_title(as_of), subtitle, MUTED, handles)
        axes = draw_cells(
            figure,
            grid_rows,
            len(themes),
            lambda code, i: _colour(by_code[code][i]),
            top_px=_TOP_PX,
            left_px=left_px,
            cell_px=cell_px,
        )
        _draw_counts(axes, grid_rows, by_code)

        total_y = -0.5 - 16 / ROW_PX
        axes.text(
            -0.5 - 14 / cell_px,
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
        label_rows(axes, grid_rows, left_px, cell_px)
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


def _draw_counts(
    axes: Axes, grid_rows: Sequence[GridRow], by_code: Mapping[int, tuple[int, ...]]
) -> None:
    """The number of holders in each cell that has any (the subtitle's promise), as one
    collection of outlines: some 400 separate texts would double the time of the picture."""
    glyphs: dict[int, Path] = {}
    outlines, at, colours = [], [], []
    for j, row in enumerate(grid_rows):
        if row.code is None:
            continue
        for i, count in enumerate(by_code[row.code]):
            if count:
                if count not in glyphs:
                    glyphs[count] = text_outline(str(count), _COUNT_POINTS, bold=True)
                outlines.append(glyphs[count])
                at.append((float(i), float(j)))
                colours.append(COUNT_TEXT[min(count, len(COUNT_TEXT) - 1)])
    outlines_at(axes, outlines, at, colours)
