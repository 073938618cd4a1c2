"""KL's view of the network: ``overblik`` (the map, attendance, themes) and ``eksport`` for
facilitators, and the App Home for everyone.

Here the database becomes the plain records ``bot.reports`` draws from: the queries run in one
transaction, the picture or file is made after it (a picture takes up to a second and must not
hold a database connection), through the process's cache, so asking again before the data changed
costs nothing. Who counts as a member comes from ``bot.domain.membership``, the one definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import loop as loop_domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import is_facilitator, require_facilitator
from bot.domain.membership import Standing, glance, members, standings
from bot.domain.reachability import Unreachable, unreachable
from bot.domain.registration import Actor
from bot.domain.seats.turnout import (
    overview_meetings,
    turnout,
)
from bot.domain.themes import network_themes
from bot.models import Network
from bot.posts.home import HomeContext, build_home, home_list, picture_key
from bot.replies import Attachment, Home, HomeList, Reply, Result, ResultKind
from bot.reports import (
    REPORT_CACHE,
    ExportFile,
    Member,
    export_attendance,
    export_feedback,
    export_history,
    export_members,
    render_attendance,
    render_map,
    render_themes,
    select_meetings,
)
from bot.reports.attendance import CALL_WINDOW, DEFAULT_COMING
from bot.service.context import Context
from bot.service.parsing import sub_action
from bot.service.report_data import (
    AttendanceData,
    ThemesData,
    attendance_cells,
    attendance_export_rows,
    export_format,
    feedback_export_rows,
    history_export_rows,
    map_states,
    meeting_column,
    meeting_count,
    member_export_rows,
    theme_matrix_rows,
)
from bot.texts import loop as loop_texts

# ``overblik <visning>`` and ``eksport <liste> [format]`` as people type them (folded).
VIEWS = {
    "kort": ("kort", "danmarkskort"),
    "deltagelse": ("deltagelse", "fremmoede"),
    "temaer": ("temaer", "tema", "fagomraader"),
    "feedback": ("feedback", "evaluering"),
}
EXPORTS = {
    "medlemmer": ("medlemmer", "medlem", "pladser"),
    "deltagelse": ("deltagelse", "fremmoede"),
    "historik": ("historik", "historie"),
    "feedback": ("feedback", "evaluering"),
}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HomeImage:
    """The facilitators' map for the App Home: the key it is known by, and the file."""

    key: str
    file: Attachment


class Overview:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._views: dict[str, Callable[[Actor, str], Reply]] = {
            "kort": self.map,
            "deltagelse": self.attendance,
            "temaer": self.themes,
            "feedback": self.feedback,
        }

    def _day(self) -> date:
        return self._ctx.today()

    def _facilitator_run(self, actor: Actor, work: Callable[[Session, Network], T]) -> T:
        """``work`` in one transaction, for a facilitator only."""

        def checked(session: Session, network: Network) -> T:
            require_facilitator(session, network, actor.user_id)
            return work(session, network)

        return self._ctx.run(checked)

    # -- overblik ---------------------------------------------------------------------------------

    def command(self, actor: Actor, args: str) -> Reply:
        """``overblik [kort|deltagelse [antal]|temaer]`` (facilitators)."""
        view, word, rest = sub_action(args, VIEWS)
        if view is None and word:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN, value=word, command="overblik", allowed=list(VIEWS)
            )
        return self._views[view or "kort"](actor, rest)

    def map(self, actor: Actor, args: str = "") -> Reply:
        def work(session: Session, network: Network) -> tuple[list[Standing], list[Unreachable]]:
            return standings(session, network), unreachable(session, network)

        found, cut_off = self._facilitator_run(actor, work)
        day = self._day()
        at_a_glance = glance(found)
        picture = REPORT_CACHE.get_or_render(render_map, map_states(found), as_of=day)
        # Who cannot get the bot's direct messages, by name (only when someone cannot).
        unreachable_line = texts.overview.unreachable_line(
            [(u.name, u.municipality) for u in cut_off]
        )
        return Reply(
            (*texts.overview.map_reply(at_a_glance, day), *filter(None, [unreachable_line])),
            attachment=Attachment(
                f"klimanet-kort-{day.isoformat()}.png",
                picture.png,
                texts.overview.map_title(at_a_glance, day),
                comment=texts.overview.map_comment(at_a_glance, day),
            ),
            result=Result(
                ResultKind.OVERVIEW_MAP,
                ids={
                    "members": at_a_glance.members,
                    "seats_filled": at_a_glance.filled,
                    "seats": at_a_glance.seats,
                    "pending": at_a_glance.pending,
                },
            ),
        )

    def attendance(self, actor: Actor, args: str) -> Reply:
        held_count = meeting_count(args)

        confirmed_note: list[str] = []

        def work(session: Session, network: Network) -> tuple[list[Standing], AttendanceData]:
            found = members(session, network)
            meetings = overview_meetings(session, network)
            columns = {m.id: meeting_column(m, self._ctx) for m in meetings}
            wanted = {
                c.meeting_id
                for c in select_meetings(
                    list(columns.values()), max(held_count, CALL_WINDOW), DEFAULT_COMING
                )
            }
            shown = [m for m in meetings if m.id in wanted]
            held = [m for m in shown if m.ends_at <= self._ctx.now()]
            confirmed = {m.id for m in held if loop_domain.is_confirmed(session, m)}
            confirmed_note[:] = loop_texts.attendance_confirmation_note(
                [m for m in held if m.id in confirmed], [m for m in held if m.id not in confirmed]
            )
            return found, AttendanceData(
                tuple(columns[m.id] for m in shown), turnout(session, network, shown)
            )

        found, data = self._facilitator_run(actor, work)
        if not found:
            return Reply(
                (texts.overview.no_members(),), result=Result(ResultKind.OVERVIEW_ATTENDANCE)
            )
        day = self._day()
        member_rows = tuple(Member(s.code, s.name, s.region) for s in found)
        cells = attendance_cells(found, data.turnout)
        picture = REPORT_CACHE.get_or_render(
            render_attendance,
            member_rows,
            data.columns,
            cells,
            as_of=day,
            held_count=held_count,
            coming_count=DEFAULT_COMING,
        )
        names = {s.code: s.name for s in found}
        held = sum(1 for c in picture.meetings if c.held)
        window = len([c for c in select_meetings(data.columns, CALL_WINDOW, 0) if c.held])
        return Reply(
            tuple(
                texts.overview.attendance_reply(
                    len(found),
                    held,
                    len(picture.meetings) - held,
                    window,
                    [names[code] for code in picture.highlighted],
                )
            )
            + tuple(confirmed_note),
            attachment=Attachment(
                f"klimanet-deltagelse-{day.isoformat()}.png",
                picture.png,
                texts.overview.attendance_title(day),
            ),
            result=Result(
                ResultKind.OVERVIEW_ATTENDANCE,
                ids={
                    "members": len(found),
                    "meetings": len(picture.meetings),
                    "to_call": len(picture.highlighted),
                },
            ),
        )

    def themes(self, actor: Actor, args: str = "") -> Reply:
        now = self._ctx.now()

        def work(session: Session, network: Network) -> ThemesData:
            found = members(session, network)
            coming = next((m for m in overview_meetings(session, network) if m.ends_at > now), None)
            return ThemesData(
                tuple(theme_matrix_rows(session, network, found)),
                tuple(network_themes(session, network)),
                texts.meetings.meeting_name(coming) if coming else None,
                tuple(coming.themes) if coming else (),
            )

        data = self._facilitator_run(actor, work)
        if not data.rows or not data.themes:
            return Reply((texts.overview.no_members(),), result=Result(ResultKind.OVERVIEW_THEMES))
        day = self._day()
        picture = REPORT_CACHE.get_or_render(
            render_themes, data.rows, data.themes, as_of=day, focus=data.focus
        )
        totals = {t.casefold(): n for t, n in zip(picture.themes, picture.totals, strict=True)}
        focus = [(theme, totals.get(theme.casefold(), 0)) for theme in data.focus]
        return Reply(
            tuple(
                texts.overview.themes_reply(len(data.rows), data.meeting, focus, len(data.themes))
            ),
            attachment=Attachment(
                f"klimanet-temaer-{day.isoformat()}.png",
                picture.png,
                texts.overview.themes_title(day),
            ),
            result=Result(
                ResultKind.OVERVIEW_THEMES,
                ids={"members": len(data.rows), "themes": len(data.themes)},
            ),
        )

    def feedback(self, actor: Actor, args: str) -> Reply:
        """``overblik feedback [møde]``: the average, the count and the comments of a meeting
        held (the last one held when none is named); never who gave which number."""

        def work(session: Session, network: Network) -> Reply:
            if args.strip():
                meeting = self._ctx.meeting(session, network, args)
            else:
                held = loop_domain.last_held(session, network, self._ctx.now())
                if held is None:
                    raise DomainError(ErrorKind.NO_MEETING_HELD)
                meeting = held
            found = loop_domain.feedback_summary(session, meeting)
            return Reply(
                tuple(
                    loop_texts.feedback_summary(meeting, found.count, found.average, found.comments)
                ),
                result=Result(
                    ResultKind.FEEDBACK_SUMMARY,
                    ids={"meeting": meeting.number, "count": found.count},
                ),
            )

        return self._facilitator_run(actor, work)

    # -- eksport ----------------------------------------------------------------------------------

    def export(self, actor: Actor, args: str) -> Reply:
        """``eksport medlemmer|deltagelse|historik [xlsx|csv]`` (facilitators)."""
        kind, word, rest = sub_action(args, EXPORTS)
        if kind is None:
            if not word:
                raise DomainError(
                    ErrorKind.CHOICE_MISSING, command="eksport", allowed=list(EXPORTS)
                )
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN, value=word, command="eksport", allowed=list(EXPORTS)
            )
        fmt = export_format(rest)
        day = self._day()
        tz = self._ctx.tz
        # The rows in one transaction; the file after it, so no connection waits for openpyxl.
        made: ExportFile
        if kind == "medlemmer":
            members = self._facilitator_run(actor, member_export_rows)
            made, rows = export_members(members, today=day, fmt=fmt, tz=tz), len(members)
        elif kind == "deltagelse":
            seat_rows = self._facilitator_run(
                actor, lambda s, n: attendance_export_rows(s, n, self._ctx)
            )
            made, rows = export_attendance(seat_rows, today=day, fmt=fmt), len(seat_rows)
        elif kind == "feedback":
            answers = self._facilitator_run(actor, lambda s, n: feedback_export_rows(s, n, tz))
            made, rows = export_feedback(answers, today=day, fmt=fmt), len(answers)
        else:
            events = self._facilitator_run(actor, lambda s, n: history_export_rows(s, n, tz))
            made, rows = export_history(events, today=day, fmt=fmt, tz=tz), len(events)
        return Reply(
            (texts.overview.exported(made.filename, rows),),
            attachment=Attachment(made.filename, made.content, texts.overview.EXPORT_TITLES[kind]),
            result=Result(ResultKind.EXPORTED, ids={"rows": rows}),
        )

    # -- the App Home -------------------------------------------------------------------------------

    def home(self, actor: Actor) -> Home:
        context = HomeContext(self._ctx.tz, self._ctx.now())
        return self._ctx.run(lambda s, n: build_home(s, n, actor.user_id, context))

    def home_image(self, actor: Actor) -> HomeImage | None:
        """The map for a facilitator's App Home (None for anyone else), known by the same key as
        the Home's picture, so the platform knows when its copy is out of date."""

        def work(session: Session, network: Network) -> list[Standing] | None:
            if not is_facilitator(session, network, actor.user_id):
                return None
            return standings(session, network)

        found = self._ctx.run(work)
        if found is None:
            return None
        day = self._day()
        at_a_glance = glance(found)
        picture = REPORT_CACHE.get_or_render(render_map, map_states(found), as_of=day)
        return HomeImage(
            picture_key(found, day.isoformat()),
            Attachment(
                f"klimanet-kort-{day.isoformat()}.png",
                picture.png,
                texts.overview.map_title(at_a_glance, day),
                comment=texts.overview.map_comment(at_a_glance, day),
            ),
        )

    def see_all(self, actor: Actor, value: str, _selected: str | None = None) -> Reply:
        """A Home's "Se alle" button: the whole list."""
        try:
            which = HomeList(value)
        except ValueError:
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        context = HomeContext(self._ctx.tz, self._ctx.now())
        lines = self._ctx.run(lambda s, n: home_list(s, n, actor.user_id, which, context))
        return Reply(
            tuple(texts.overview.home_list(which.value, lines)),
            result=Result(ResultKind.HOME_LIST, ids={"lines": len(lines)}),
        )
