"""Meetings: ``møde opret|flyt|aflys|ret|kopier`` (facilitators), ``møder``, ``dagsorden`` and
``kalender`` (everyone). Every change plans its posts in the outbox in the same transaction, so a
meeting never exists without its schedule (or the other way round).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import meetings as meeting_domain
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import require_facilitator
from bot.domain.registration import Actor
from bot.domain.schedule import due_at
from bot.domain.themes import network_themes
from bot.domain.timeparse import find_date_and_times, local_to_utc, parse_date, parse_time
from bot.models import Meeting, MeetingFormat, Network
from bot.posts import planner
from bot.posts.calendar import ics_attachment
from bot.posts.kinds import PostKind
from bot.replies import (
    FormErrors,
    MeetingField,
    MeetingFormRequest,
    Outcome,
    Reply,
    Result,
    ResultKind,
)
from bot.service.context import Context
from bot.service.parsing import FORMAT_WORDS, MEETING_ACTIONS, fold, options, sub_action, tokens

DEFAULT_LENGTH = timedelta(hours=2)

# Which field of the meeting form an error belongs next to (the date field otherwise).
_FORM_FIELD_OF_ERROR = {
    ErrorKind.TITLE_MISSING: MeetingField.TITLE,
    ErrorKind.TEXT_TOO_LONG: MeetingField.TITLE,
    ErrorKind.TIME_INVALID: MeetingField.TIME,
    ErrorKind.TIME_MISSING: MeetingField.TIME,
    ErrorKind.TIME_RANGE_INVALID: MeetingField.TIME,
}


@dataclass(frozen=True, slots=True)
class MeetingForm:
    """What a facilitator filled in on the meeting form (raw, as typed or picked)."""

    title: str
    date: str
    start: str
    end: str
    format: str
    location: str = ""
    themes: Sequence[str] = ()


class Meetings:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- helpers ----------------------------------------------------------------------------

    def _span(
        self, day: date, start: time, end: time | None, raw: str
    ) -> tuple[datetime, datetime]:
        starts = local_to_utc(day, start, self._ctx.tz)
        ends = local_to_utc(day, end, self._ctx.tz) if end else starts + DEFAULT_LENGTH
        if ends <= starts:
            raise DomainError(ErrorKind.TIME_RANGE_INVALID, value=raw)
        if starts <= self._ctx.now():
            raise DomainError(ErrorKind.DATE_IN_PAST, value=raw)
        return starts, ends

    def _schedule_lines(self, meeting: Meeting) -> str:
        now = self._ctx.now()
        lines = []
        for name, offset in self._ctx.settings.schedule.items():
            if name not in planner.SCHEDULED:
                continue
            if name == "starting" and meeting.format != MeetingFormat.ONLINE.value:
                continue
            when = due_at(meeting.starts_at, offset, self._ctx.tz)
            lines.append(texts.schedule_line(name, when, self._ctx.tz, skipped=when < now))
        return "\n".join(lines)

    # -- everyone ---------------------------------------------------------------------------

    def list_meetings(self, actor: Actor, args: str) -> Reply:
        """``møder``: the coming meetings, with one's own seat."""

        def work(session: Session, network: Network) -> Reply:
            meetings = meeting_domain.upcoming(session, network, self._ctx.now())
            mine = reg.my_overview(session, network, actor)
            seat = (
                next(
                    (s for s in mine.seats if s.holder and s.holder.user_id == actor.user_id), None
                )
                if mine
                else None
            )
            return Reply(
                tuple(texts.meeting_list(meetings, self._ctx.tz, seat)),
                result=Result(ResultKind.MEETINGS),
            )

        return self._ctx.run(work)

    def agenda(self, actor: Actor, ref: str) -> Reply:
        """``dagsorden [møde]``."""

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_or_next(session, network, ref)
            news = meeting_domain.news_for(session, meeting)
            return Reply(
                tuple(texts.agenda_post(meeting, news, self._ctx.tz, updated=False)),
                result=Result(ResultKind.AGENDA, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def calendar(self, actor: Actor, ref: str) -> Reply:
        """``kalender [møde]``: the meeting's .ics file."""

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_or_next(session, network, ref)
            return Reply(
                (texts.calendar_sent(meeting),),
                attachment=ics_attachment(meeting, self._ctx.tz, self._ctx.now()),
                result=Result(ResultKind.CALENDAR, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    # -- facilitators -----------------------------------------------------------------------

    def command(self, actor: Actor, args: str) -> Outcome:
        """``møde opret|flyt|aflys|ret|kopier …`` (facilitators only)."""
        action, word, rest = sub_action(args, MEETING_ACTIONS)
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        actions: dict[str, Callable[[Actor, str], Outcome]] = {
            "opret": self.create,
            "flyt": self.move,
            "aflys": self.cancel,
            "ret": self.edit_form,
            "kopier": self.copy,
        }
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word or "",
                allowed=["opret", "flyt", "aflys", "ret", "kopier"],
                command="møde",
            )
        return actions[action](actor, rest)

    def create(self, actor: Actor, rest: str) -> Outcome:
        """``møde opret``: the form, or a meeting from one line."""
        if not rest:
            return MeetingFormRequest(theme_options=tuple(self._ctx.run(network_themes)))
        return self._create(actor, self._draft_from_line(rest))

    def _draft_from_line(self, text: str) -> meeting_domain.MeetingDraft:
        day, start, end, rest = find_date_and_times(text, today=self._ctx.today())
        words = tokens(rest)
        opts, words = options(words, {"tema", "temaer", "link", "sted", "adresse"})
        formats = [FORMAT_WORDS[fold(w)] for w in words if fold(w) in FORMAT_WORDS]
        words = [w for w in words if fold(w) not in FORMAT_WORDS]
        if not formats:
            raise DomainError(ErrorKind.FORMAT_MISSING)
        starts, ends = self._span(day, start, end, text)
        themes = [
            t.strip()
            for t in re.split(r"[,;]", opts.get("tema") or opts.get("temaer") or "")
            if t.strip()
        ]
        location = opts.get("link") or opts.get("sted") or opts.get("adresse") or ""
        return meeting_domain.MeetingDraft(
            title=" ".join(words),
            starts_at=starts,
            ends_at=ends,
            format=formats[0],
            location=location,
            themes=themes,
        )

    def _create(self, actor: Actor, draft: meeting_domain.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = meeting_domain.create_meeting(session, network, draft, actor.user_id, now)
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
            return Reply(
                (texts.meeting_created(meeting, self._ctx.tz), self._schedule_lines(meeting)),
                result=Result(ResultKind.MEETING_CREATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def submit_form(
        self, actor: Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors:
        try:
            draft = self._draft_from_form(form)
        except DomainError as err:
            field = _FORM_FIELD_OF_ERROR.get(err.kind, MeetingField.DATE)
            return FormErrors({field: texts.plain(texts.error(err))})
        try:
            self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
            if number is None:
                return self._create(actor, draft)
            return self._edit(actor, number, draft)
        except DomainError as err:
            return FormErrors({MeetingField.TITLE: texts.plain(texts.error(err))})

    def _draft_from_form(self, form: MeetingForm) -> meeting_domain.MeetingDraft:
        day = parse_date(form.date, today=self._ctx.today())
        start = parse_time(form.start)
        end = parse_time(form.end) if form.end.strip() else None
        if not form.title.strip():
            raise DomainError(ErrorKind.TITLE_MISSING)
        starts, ends = self._span(day, start, end, f"{form.date} {form.start}-{form.end}")
        fmt = FORMAT_WORDS.get(fold(form.format), MeetingFormat.ONLINE)
        return meeting_domain.MeetingDraft(
            form.title, starts, ends, fmt, form.location, list(form.themes)
        )

    def edit_form(self, actor: Actor, ref: str) -> MeetingFormRequest:
        """``møde ret <møde>``: the form, filled in."""

        def work(session: Session, network: Network) -> MeetingFormRequest:
            meeting = self._ctx.meeting(session, network, ref.split(" ")[0] if ref else "")
            local_start = meeting.starts_at.astimezone(self._ctx.tz)
            local_end = meeting.ends_at.astimezone(self._ctx.tz)
            return MeetingFormRequest(
                number=meeting.number,
                title=meeting.title,
                date=local_start.date(),
                start=local_start.strftime("%H:%M"),
                end=local_end.strftime("%H:%M"),
                format=meeting.format,
                location=meeting.location,
                themes=tuple(meeting.themes),
                theme_options=tuple(network_themes(session, network)),
            )

        return self._ctx.run(work)

    def _edit(self, actor: Actor, number: int, draft: meeting_domain.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = meeting_domain.get_meeting(session, network, number)
            moved = meeting_domain.update_meeting(session, meeting, draft, now)
            self._after_change(session, network, meeting, now, moved=moved)
            return Reply(
                (texts.meeting_updated(meeting, self._ctx.tz, moved=moved),),
                result=Result(ResultKind.MEETING_UPDATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def _after_change(
        self, session: Session, network: Network, meeting: Meeting, now: datetime, *, moved: bool
    ) -> None:
        if moved:
            planner.cancel_stale(session, meeting)
            planner.notify_now(
                session,
                network,
                meeting,
                PostKind.MOVED,
                self._ctx.plan,
                now,
                tag=f"v={meeting.schedule_version}",
            )
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
        planner.agenda_changed(session, meeting, now)

    def move(self, actor: Actor, rest: str) -> Reply:
        ref, _, when = rest.partition(" ")
        if not ref:
            raise DomainError(ErrorKind.MEETING_MISSING)

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            day, start, end, _rest = find_date_and_times(when, today=self._ctx.today())
            if end is None:  # keep the meeting's length
                length = meeting.ends_at - meeting.starts_at
                starts, _ = self._span(day, start, None, when)
                ends = starts + length
            else:
                starts, ends = self._span(day, start, end, when)
            meeting_domain.move_meeting(session, meeting, starts, ends, now)
            self._after_change(session, network, meeting, now, moved=True)
            return Reply(
                (texts.meeting_moved_reply(meeting, self._ctx.tz), self._schedule_lines(meeting)),
                result=Result(ResultKind.MEETING_MOVED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def cancel(self, actor: Actor, rest: str) -> Reply:
        ref, _, reason = rest.partition(" ")

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            meeting_domain.cancel_meeting(session, meeting, reason, now)
            planner.cancel_all(session, meeting)
            planner.notify_now(
                session, network, meeting, PostKind.CANCELLED, self._ctx.plan, now, tag="final"
            )
            return Reply(
                (texts.meeting_cancelled_reply(meeting, self._ctx.tz),),
                result=Result(ResultKind.MEETING_CANCELLED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def copy(self, actor: Actor, rest: str) -> Reply:
        ref, _, when = rest.partition(" ")

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            source = self._ctx.meeting(session, network, ref)
            day = parse_date(when, today=self._ctx.today()) if when.strip() else None
            if day is None:
                raise DomainError(ErrorKind.DATE_MISSING)
            local = source.starts_at.astimezone(self._ctx.tz)
            length = source.ends_at - source.starts_at
            starts, _ = self._span(day, local.time().replace(tzinfo=None), None, when)
            meeting = meeting_domain.copy_meeting(
                session, network, source, starts, starts + length, actor.user_id, now
            )
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
            return Reply(
                (texts.meeting_created(meeting, self._ctx.tz), self._schedule_lines(meeting)),
                result=Result(ResultKind.MEETING_CREATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)
