"""``eksport medlemmer|deltagelse|historik [xlsx|csv]``: the network's lists as files for KL.

xlsx: a bold, frozen header row with Danish names, real date cells shown as ``dd.mm.åååå``,
columns as wide as their contents, and an autofilter. CSV: UTF-8 with BOM (so Excel reads æ, ø, å)
and ``;`` (Excel's separator where the decimal mark is a comma).

Member text is data, never a formula (OWASP "CSV injection"): in xlsx every text cell is stored as
a string and flagged ``quotePrefix``, so Excel neither runs it nor turns it into a formula on
edit; in CSV a value starting with ``= + - @``, tab or carriage return gets a leading ``'``.
Times arrive aware (UTC) and are written on the Copenhagen wall clock, which is what users read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from bot.reports.inputs import (
    AttendanceExportRow,
    FeedbackExportRow,
    HistoryExportRow,
    MemberExportRow,
)
from bot.texts import reports as labels

if TYPE_CHECKING:
    from openpyxl.cell import Cell

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

ExportFormat = Literal["xlsx", "csv"]
Value = str | date | datetime | None  # datetime: naive, already on the Copenhagen wall clock

MEDIA_TYPES: dict[ExportFormat, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
EXCEL_MAX_CHARS = 32_767
_MIN_WIDTH, _MAX_WIDTH = 8, 60
# Control characters that XML 1.0 (and so xlsx) cannot hold; a profile field might carry one.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportKind(StrEnum):
    MEMBERS = "medlemmer"
    ATTENDANCE = "deltagelse"
    HISTORY = "historik"
    POLL = "afstemning"
    FEEDBACK = "feedback"


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str  # klimanet-medlemmer-2026-11-27.xlsx
    content: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class _Table:
    kind: ExportKind
    headers: tuple[str, ...]
    rows: list[tuple[Value, ...]]


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("expected an aware datetime")  # a naive time here is a bug upstream
    # Excel has no time zones: the wall clock is what is shown, to the minute.
    return at.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def _members(rows: Sequence[MemberExportRow], tz: ZoneInfo) -> _Table:
    return _Table(
        ExportKind.MEMBERS,
        labels.MEMBER_HEADERS,
        [
            (
                r.municipality,
                r.region,
                r.seat,
                r.holder,
                r.title,
                ", ".join(r.fagomraader) or None,
                _local(r.since, tz),
            )
            for r in rows
        ],
    )


def _attendance(rows: Sequence[AttendanceExportRow]) -> _Table:
    return _Table(
        ExportKind.ATTENDANCE,
        labels.ATTENDANCE_HEADERS,
        [
            (
                r.meeting,
                r.day,
                r.municipality,
                r.seat,
                r.holder,
                r.substitute,
                labels.ATTENDANCE[r.answer],
                labels.ATTENDANCE_CONFIRMED if r.confirmed else labels.ATTENDANCE_FROM_ANSWERS,
            )
            for r in rows
        ],
    )


def _history(rows: Sequence[HistoryExportRow], tz: ZoneInfo) -> _Table:
    return _Table(
        ExportKind.HISTORY,
        labels.HISTORY_HEADERS,
        [
            (
                _local(r.at, tz),
                r.municipality,
                r.seat,
                r.event,
                r.person,
                r.before,
                r.by_whom,
                r.reason,
            )
            for r in rows
        ],
    )


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text)


def csv_safe(text: str) -> str:
    """OWASP: a leading ``'`` makes a spreadsheet take the value as text, not as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return csv_safe(_clean(value))


def _to_csv(table: _Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def _shown_width(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("27.11.2026 10:00")
    if isinstance(value, date):
        return len("27.11.2026")
    return max((len(line) for line in value.splitlines()), default=0)


def _to_xlsx(table: _Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Streaming (write-only) mode: rows go to the file as they come instead of a sheet in memory
    # (7,644 rows for ``eksport deltagelse``). Widths, panes and filter must be set before rows.
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Klimanet"
    sheet = workbook.create_sheet(labels.SHEET_TITLES[table.kind])

    widths = [len(header) + 2 for header in table.headers]  # room for the filter button
    for row in table.rows:
        for column, value in enumerate(row):
            widths[column] = max(widths[column], _shown_width(value))
    for column, width in enumerate(widths, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(table.headers))
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"

    bold = Font(bold=True)

    def header(text: str) -> Cell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    def cell(value: Value) -> Cell | str | None:
        if value is None:
            return None
        if isinstance(value, str):
            # XML readers turn a bare CR into LF anyway; say so rather than leave it to them.
            text = _clean(value).replace("\r\n", "\n").replace("\r", "\n")[:EXCEL_MAX_CHARS]
            # Judged before and after cleaning: "\x01=1+1" is "=1+1" once cleaned.
            formula_like = value.startswith(FORMULA_TRIGGERS) or text.startswith(FORMULA_TRIGGERS)
            if not formula_like and text not in ERROR_CODES:
                # Nothing in it reads as a formula or an error: openpyxl stores it as the string
                # it is, and a plain value costs a third of a styled cell (7,644 rows × 7).
                return text
            written = WriteOnlyCell(sheet, value=text)
            # openpyxl reads a leading "=" as a formula and "#N/A" as an error: member text is
            # a string, whatever it looks like.
            written.data_type = "s"
            if formula_like:
                written.quotePrefix = True
            return written
        if isinstance(value, datetime):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = DATETIME_FORMAT
        else:  # a day: the same serial number as its midnight, shown without the time
            written = WriteOnlyCell(sheet, value=datetime.combine(value, time()))
            written.number_format = DATE_FORMAT
        return written

    sheet.append([header(text) for text in table.headers])
    for row in table.rows:
        sheet.append([cell(value) for value in row])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _export(table: _Table, fmt: ExportFormat, today: date) -> ExportFile:
    writers: dict[ExportFormat, Callable[[_Table], bytes]] = {"xlsx": _to_xlsx, "csv": _to_csv}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}")
    return ExportFile(
        filename=f"klimanet-{table.kind.value}-{today.isoformat()}.{fmt}",
        content=writers[fmt](table),
        media_type=MEDIA_TYPES[fmt],
    )


def export_members(
    rows: Sequence[MemberExportRow],
    *,
    today: date,
    fmt: ExportFormat = "xlsx",
    tz: ZoneInfo = COPENHAGEN,
) -> ExportFile:
    """``eksport medlemmer``: one row per seat."""
    return _export(_members(rows, tz), fmt, today)


def export_attendance(
    rows: Sequence[AttendanceExportRow],
    *,
    today: date,
    fmt: ExportFormat = "xlsx",
) -> ExportFile:
    """``eksport deltagelse``: one row per meeting and seat (meeting dates carry no time)."""
    return _export(_attendance(rows), fmt, today)


def export_history(
    rows: Sequence[HistoryExportRow],
    *,
    today: date,
    fmt: ExportFormat = "xlsx",
    tz: ZoneInfo = COPENHAGEN,
) -> ExportFile:
    """``eksport historik``: the seat history, oldest first as given."""
    return _export(_history(rows, tz), fmt, today)


def export_poll(
    rows: Sequence[tuple[str, str, datetime, str]],
    headers: tuple[str, ...],
    *,
    today: date,
    fmt: ExportFormat = "xlsx",
    tz: ZoneInfo = COPENHAGEN,
) -> ExportFile:
    """``eksport afstemning <nr>``: one row per municipality that voted (municipality, its
    choices, when, by whom; the voter empty after an erasure)."""
    table = _Table(
        ExportKind.POLL,
        headers,
        [
            (municipality, chosen, _local(at, tz), voter or None)
            for municipality, chosen, at, voter in rows
        ],
    )
    return _export(table, fmt, today)


def _feedback(rows: Sequence[FeedbackExportRow]) -> _Table:
    return _Table(
        ExportKind.FEEDBACK,
        labels.FEEDBACK_HEADERS,
        [(r.meeting, r.day, str(r.rating), r.comment or None, r.signed_by) for r in rows],
    )


def export_feedback(
    rows: Sequence[FeedbackExportRow], *, today: date, fmt: ExportFormat = "xlsx"
) -> ExportFile:
    """``eksport feedback``: one row per answer to "Hvordan var mødet?"; a name only where the
    person signed their comment."""
    return _export(_feedback(rows), fmt, today)
