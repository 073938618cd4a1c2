"""KL's view of the network: pictures and spreadsheets as pure functions of plain data.

Inputs are the frozen records in ``inputs``; outputs are bytes (PNG, xlsx, CSV) plus what a caller
or a test needs to know about them. Nothing here touches the database or a chat platform, and
importing this package imports neither matplotlib nor openpyxl: the first picture or file does.
"""

from bot.reports.attendance import (
    AttendancePicture,
    members_to_call,
    render_attendance,
    select_meetings,
)
from bot.reports.cache import REPORT_CACHE, RenderCache
from bot.reports.denmark_map import MapPicture, municipality_codes, project, render_map
from bot.reports.export import (
    ExportFile,
    ExportFormat,
    ExportKind,
    export_attendance,
    export_feedback,
    export_history,
    export_members,
)
from bot.reports.figure import PixelTransform
from bot.reports.inputs import (
    AttendanceCell,
    AttendanceExportRow,
    AttendanceMark,
    FeedbackExportRow,
    HistoryExportRow,
    MapState,
    MeetingColumn,
    Member,
    MemberExportRow,
    MunicipalityState,
    ThemeRow,
)
from bot.reports.themes import ThemesPicture, render_themes

__all__ = [
    "REPORT_CACHE",
    "AttendanceCell",
    "AttendanceExportRow",
    "FeedbackExportRow",
    "AttendanceMark",
    "AttendancePicture",
    "ExportFile",
    "ExportFormat",
    "ExportKind",
    "HistoryExportRow",
    "MapPicture",
    "MapState",
    "MeetingColumn",
    "Member",
    "MemberExportRow",
    "MunicipalityState",
    "PixelTransform",
    "RenderCache",
    "ThemeRow",
    "ThemesPicture",
    "export_attendance",
    "export_feedback",
    "export_history",
    "export_members",
    "members_to_call",
    "municipality_codes",
    "project",
    "render_attendance",
    "render_map",
    "render_themes",
    "select_meetings",
]
