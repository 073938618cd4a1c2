"""``overblik deltagelse [antal møder]``: who came to the last meetings and who is coming.

One row per member municipality (grouped by region), one column per meeting: the last N held and
the next two. Members who were expected at some of the last three held meetings and came to none
(no "kommer", no "vikar") are marked in red, so KL knows whom to call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.reports.figure import (
    ALERT,
    FONT,
    MUTED,
    RENDER_LOCK,
    TEXT,
    WIDTH_PX,
    PixelTransform,
    new_figure,
    pixel_transform,
    to_png,
)
from bot.reports.grid import (
    ROW_PX,
    draw_cells,
    draw_heading,
    grid_left_px,
    group_by_region,
    label_rows,
)
from bot.reports.inputs import PRESENT_MARKS, AttendanceCell, AttendanceMark, MeetingColumn, Member
from bot.texts import reports as labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_HELD = 6
DEFAULT_COMING = 2
CALL_WINDOW = 3  # held meetings without anyone from the municipality before KL calls

# Blues for "there" (dark: their own people, lighter: a substitute), orange for regrets, grey for
# silence; a near-white cell means the municipality was not a member then.
ATTENDANCE_COLOURS: dict[AttendanceMark, str] = {
    AttendanceMark.COMING: "#2166ac",
    AttendanceMark.SUBSTITUTE: "#67a9cf",
    AttendanceMark.REGRETS: "#ef8a62",
    AttendanceMark.NO_ANSWER: "#c8c8c8",
    AttendanceMark.PRESENT: "#053061",
    AttendanceMark.ABSENT: "#b2182b",
}
NOT_EXPECTED_COLOUR = "#f3f3f3"
SEPARATOR = "#555555"

_HEADING_PX = 130.0  # title, subtitle, legend and the "afholdt"/"kommende" labels
_TWO_LINE_HEAD_HEIGHT_PX, _TURNED_HEAD_HEIGHT_PX = 26.0, 72.0  # the dates above the columns
_BOTTOM_PX = 24.0
_RIGHT_PX = 20.0
_TWO_LINE_HEAD_PX = 52.0  # narrower columns get their dates turned on end
# Names at 8 points leave the grid at least this much; the widest Danish name needs far less.
_MIN_LEFT_PX, _MAX_LEFT_PX = 120.0, 250.0


@dataclass(frozen=True, slots=True)
class AttendancePicture:
    png: bytes
    width: int
    height: int
    meetings: tuple[MeetingColumn, ...]  # the columns, left to right
    rows: tuple[int, ...]  # member codes, top to bottom (region headings left out)
    highlighted: tuple[int, ...]  # members to call, in row order
    grid: PixelTransform  # cell (column i, grid row j) is centred on data point (i, j)
    grid_rows: tuple[int | None, ...]  # every grid row: a member code, or None for a region head

    def cell_pixel(self, code: int, meeting_id: int) -> tuple[int, int]:
        column = [m.meeting_id for m in self.meetings].index(meeting_id)
        return self.grid.to_pixel(column, self.grid_rows.index(code))

    def marker_pixel(self, code: int) -> tuple[int, int]:
        """The middle of the red mark left of a member's cells (white when not highlighted)."""
        column, row = self.cell_pixel(code, self.meetings[0].meeting_id)
        return column - round(self.grid.matrix[0] / 2) - 7, row


def select_meetings(
    meetings: Sequence[MeetingColumn],
    held_count: int = DEFAULT_HELD,
    coming_count: int = DEFAULT_COMING,
) -> tuple[MeetingColumn, ...]:
    """The last ``held_count`` held meetings and the next ``coming_count``, oldest first."""
    if held_count < 1 or coming_count < 0:
        raise ValueError("need at least one held meeting and no negative count of coming ones")
    ordered = sorted(meetings, key=lambda m: (m.day, m.meeting_id))
    held = [m for m in ordered if m.held]
    coming = [m for m in ordered if not m.held]
    return (*held[-held_count:], *coming[:coming_count])


def members_to_call(
    members: Sequence[Member], meetings: Sequence[MeetingColumn], cells: Sequence[AttendanceCell]
) -> tuple[int, ...]:
    """Members expected at one or more of the last three held meetings who came to none of them.

    A municipality that joined after those meetings is not flagged for them: a missing cell means
    it was not expected.
    """
    window = {m.meeting_id for m in select_meetings(meetings, CALL_WINDOW, 0) if m.held}
    expected: dict[int, bool] = {}
    for cell in cells:
        if cell.meeting_id in window:
            present = cell.mark in PRESENT_MARKS
            expected[cell.municipality_code] = (
                expected.get(cell.municipality_code, False) or present
            )
    return tuple(m.code for m in members if expected.get(m.code) is False)


def render_attendance(
    members: Sequence[Member],
    meetings: Sequence[MeetingColumn],
    cells: Sequence[AttendanceCell],
    *,
    as_of: date,
    held_count: int = DEFAULT_HELD,
    coming_count: int = DEFAULT_COMING,
) -> AttendancePicture:
    """The heatmap as a PNG 1,000 px wide and as tall as its rows need."""
    shown = select_meetings(meetings, held_count, coming_count)
    grid_rows = group_by_region([(m.code, m.name, m.region) for m in members])
    to_call = set(members_to_call(members, meetings, cells))
    window = len([m for m in select_meetings(meetings, CALL_WINDOW, 0) if m.held])
    marks = {(c.municipality_code, c.meeting_id): c.mark for c in cells}

    columns = max(len(shown), 1)
    # The narrowest the cells can be (the name column at its widest) decides how the dates fit,
    # and so the height; the cells then take all the width the names leave.
    two_lines = (WIDTH_PX - _MAX_LEFT_PX - _RIGHT_PX) / columns >= _TWO_LINE_HEAD_PX
    head_px = _TWO_LINE_HEAD_HEIGHT_PX if two_lines else _TURNED_HEAD_HEIGHT_PX
    top_px = _HEADING_PX + head_px
    height = round(top_px + ROW_PX * len(grid_rows) + _BOTTOM_PX)

    with RENDER_LOCK:
        from matplotlib.patches import Patch

        figure = new_figure(WIDTH_PX, height)
        left_px = min(_MAX_LEFT_PX, max(_MIN_LEFT_PX, grid_left_px(figure, grid_rows)))
        cell_px = (WIDTH_PX - left_px - _RIGHT_PX) / columns
        handles = [
            Patch(facecolor=ATTENDANCE_COLOURS[mark], label=labels.ATTENDANCE[mark])
            for mark in AttendanceMark
        ]
        handles.append(
            Patch(facecolor=NOT_EXPECTED_COLOUR, edgecolor="#cccccc", label=labels.NOT_EXPECTED)
        )
        draw_heading(
            figure,
            height,
            labels.attendance_title(as_of),
            labels.attendance_subtitle(len(to_call), window),
            ALERT,
            handles,
        )

        def colour_of(code: int, column: int) -> str:
            if column >= len(shown):  # no meeting yet: one empty column
                return "#ffffff"
            mark = marks.get((code, shown[column].meeting_id))
            return NOT_EXPECTED_COLOUR if mark is None else ATTENDANCE_COLOURS[mark]

        axes = draw_cells(
            figure, grid_rows, columns, colour_of, top_px=top_px, left_px=left_px, cell_px=cell_px
        )
        held_shown = sum(1 for m in shown if m.held)
        if 0 < held_shown < len(shown):
            axes.axvline(held_shown - 0.5, color=SEPARATOR, linewidth=1.5)
        for i, meeting in enumerate(shown):
            head = labels.short_date(meeting.day)
            axes.text(
                i,
                -0.5 - 5 / ROW_PX,
                head if two_lines else head.replace("\n", " "),
                ha="center",
                va="bottom",
                rotation=0 if two_lines else 90,
                fontsize=8,
                color=TEXT,
                family=FONT,
                parse_math=False,
            )
        group_y = -0.5 - (head_px + 10) / ROW_PX
        if held_shown:
            _group_label(axes, (held_shown - 1) / 2, group_y, labels.HELD, "center")
        if held_shown < len(shown):
            # Right-aligned on the grid's edge when two narrow columns cannot hold the word.
            narrow = (len(shown) - held_shown) * cell_px < 80
            _group_label(
                axes,
                len(shown) - 0.5 if narrow else (held_shown + len(shown) - 1) / 2,
                group_y,
                labels.COMING_MEETINGS,
                "right" if narrow else "center",
            )
        label_rows(axes, grid_rows, left_px, cell_px, flagged=to_call, flag_colour=ALERT)
        png = to_png(figure)
        grid = pixel_transform(axes, png.height)

    codes = tuple(row.code for row in grid_rows)
    member_rows = tuple(code for code in codes if code is not None)
    return AttendancePicture(
        png=png.data,
        width=png.width,
        height=png.height,
        meetings=shown,
        rows=member_rows,
        highlighted=tuple(code for code in member_rows if code in to_call),
        grid=grid,
        grid_rows=codes,
    )


def _group_label(axes: Axes, x: float, y: float, text: str, align: str) -> None:
    """ "afholdt" / "kommende" above their group of columns."""
    axes.text(
        x,
        y,
        text,
        ha=align,
        va="bottom",
        fontsize=9,
        color=MUTED,
        family=FONT,
        parse_math=False,
        style="italic",
    )
