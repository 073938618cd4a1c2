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
from bot.domain.themes import network_themes
from bot.domain.timeparse import find_date_and_times, local_to_utc, parse_date, parse_time
from bot.models import Meeting, Network
from bot.posts import planner
from bot.posts.calendar import ics_attachment
from bot.posts.kinds import PostKind
from bot.replies import (
    MAX_BUTTON_VALUE,
    Action,
    Button,
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
from bot.texts.dates import format_span

DEFAULT_LENGTH = timedelta(hours=2)

# Which field of the meeting form an error belongs next to (the date field otherwise).
_FORM_FIELD_OF_ERROR = {
    ErrorKind.TITLE_MISSING: MeetingField.TITLE,
    ErrorKind.TEXT_TOO_LONG: MeetingField.TITLE,
    ErrorKind.TIME_INVALID: MeetingField.TIME,
    ErrorKind.TIME_MISSING: MeetingField.TIME,
    ErrorKind.TIME_RANGE_INVALID: MeetingField.TIME,
    ErrorKind.FORMAT_MISSING: MeetingField.FORMAT,
    ErrorKind.LINK_MISSING: MeetingField.LINK,
    ErrorKind.LINK_INVALID: MeetingField.LINK,
    ErrorKind.ADDRESS_MISSING: MeetingField.LOCATION,
}


@dataclass(frozen=True, slots=True)
class MeetingForm:
    """What a facilitator filled in on the meeting form (raw, as typed or picked)."""

    title: str
    date: str
    start: str
    end: str
    format: str
    location: str = ""  # the address (physical and hybrid)
    themes: Sequence[str] = ()
    link: str = ""  # the video link (online and hybrid)
    # What the facilitator was warned of and saved anyway (``MeetingFormRequest.go_ahead``).
    go_ahead: str = ""


# The commands that warn before they plan a meeting at a weekend or busy time.
WARNED_ACTIONS = ("opret", "flyt", "kopier")


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

    def _schedule_lines(self, session: Session, meeting: Meeting) -> str:
        """When each post goes out, as the planner has it (sent, skipped or still to come)."""
        times = planner.planned_times(session, meeting, self._ctx.plan, self._ctx.now())
        return "\n".join(texts.schedule_line(t.name, t.when, self._ctx.tz, t.state) for t in times)

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
            news = meeting_domain.news_for(session, meeting)
            return Reply(
                (texts.calendar_sent(meeting),),
                attachment=ics_attachment(meeting, self._ctx.tz, self._ctx.now(), news),
                result=Result(ResultKind.CALENDAR, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    # -- facilitators -----------------------------------------------------------------------

    def command(self, actor: Actor, args: str) -> Outcome:
        """``møde opret|flyt|aflys|ret|kopier …`` (facilitators only)."""
        return self._command(actor, args, go_ahead=False)

    def go_ahead(self, actor: Actor, value: str) -> Outcome:
        """ "Opret/Flyt alligevel" after a warning: the command again, without the warning.
        The value is read like typed text; only the commands that warn are run this way."""
        action, _, _ = sub_action(value, MEETING_ACTIONS)
        if action not in WARNED_ACTIONS:
            return Reply((texts.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        return self._command(actor, value, go_ahead=True)

    def _command(self, actor: Actor, args: str, *, go_ahead: bool) -> Outcome:
        action, word, rest = sub_action(args, MEETING_ACTIONS)
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        actions: dict[str, Callable[[Actor, str], Outcome]] = {
            "opret": lambda a, r: self.create(a, r, go_ahead=go_ahead),
            "flyt": lambda a, r: self.move(a, r, go_ahead=go_ahead),
            "aflys": self.cancel,
            "ret": self.edit_form,
            "kopier": lambda a, r: self.copy(a, r, go_ahead=go_ahead),
        }
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word or "",
                allowed=["opret", "flyt", "aflys", "ret", "kopier"],
                command="møde",
            )
        return actions[action](actor, rest)

    def _concerns(
        self,
        session: Session,
        network: Network,
        span: tuple[datetime, datetime],
        meeting_id: int | None = None,
    ) -> list[meeting_domain.Concern]:
        return meeting_domain.concerns(
            session, network, span[0], span[1], self._ctx.tz, meeting_id=meeting_id
        )

    def _warning(
        self,
        found: list[meeting_domain.Concern],
        span: tuple[datetime, datetime],
        action: str,
        rest: str,
    ) -> Reply:
        """The warning before a meeting is planned at a Saturday, a Sunday or a busy time, with
        a button that goes ahead (the command, as typed) and one that drops it."""
        value = f"{action} {rest}"
        fits = len(value) <= MAX_BUTTON_VALUE
        buttons = []
        if fits:
            buttons.append(
                Button(texts.GO_AHEAD_BUTTONS[action], Action.MEETING_GO_AHEAD, value, "primary")
            )
        buttons.append(Button(texts.DROP_BUTTON, Action.MEETING_DROP, action))
        when = format_span(span[0], span[1], self._ctx.tz)
        return Reply(
            (texts.meeting_concerns(found, action, when, button=fits),),
            buttons=tuple(buttons),
            result=Result(
                ResultKind.MEETING_WARNING,
                ids={
                    ("weekday" if c.kind == "weekend" else "overlap"): c.weekday or c.number or 0
                    for c in reversed(found)
                },
            ),
        )

    def drop(self, action: str) -> Reply:
        """ "Annullér" after a warning: nothing was done, and the message says so."""
        return Reply(
            (texts.meeting_dropped(action),),
            replace_original=True,
            result=Result(ResultKind.MEETING_DROPPED),
        )

    def create(self, actor: Actor, rest: str, *, go_ahead: bool = False) -> Outcome:
        """``møde opret``: the form, or a meeting from one line."""
        if not rest:
            return MeetingFormRequest(theme_options=tuple(self._ctx.run(network_themes)))
        draft = self._draft_from_line(rest)
        meeting_domain.check_draft(draft, self._ctx.now())  # a warning only for a valid meeting
        if not go_ahead:
            span = (draft.starts_at, draft.ends_at)
            found = self._ctx.run(lambda s, n: self._concerns(s, n, span))
            if found:
                return self._warning(found, span, "opret", rest)
        return self._create(actor, draft)

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
        return meeting_domain.MeetingDraft(
            title=" ".join(words),
            starts_at=starts,
            ends_at=ends,
            format=formats[0],
            location=opts.get("sted") or opts.get("adresse") or "",
            themes=themes,
            link=opts.get("link") or "",
        )

    def _create(self, actor: Actor, draft: meeting_domain.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = meeting_domain.create_meeting(session, network, draft, actor.user_id, now)
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
            return Reply(
                (
                    texts.meeting_created(meeting, self._ctx.tz),
                    self._schedule_lines(session, meeting),
                ),
                result=Result(ResultKind.MEETING_CREATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def submit_form(
        self, actor: Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors | MeetingFormRequest:
        """The form's answer: the result, errors next to the fields, or the form again with a
        warning (a Saturday, a Sunday, another meeting at that time) to save anyway."""
        try:
            draft = self._draft_from_form(form)
        except DomainError as err:
            field = _FORM_FIELD_OF_ERROR.get(err.kind, MeetingField.DATE)
            return FormErrors({field: texts.plain(texts.error(err, self._ctx.today()))})
        try:
            self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
            warned = self._form_warning(number, form, draft)
            if warned is not None:
                return warned
            if number is None:
                return self._create(actor, draft)
            return self._edit(actor, number, draft)
        except DomainError as err:
            field = _FORM_FIELD_OF_ERROR.get(err.kind, MeetingField.TITLE)
            return FormErrors({field: texts.plain(texts.error(err, self._ctx.today()))})

    def _form_warning(
        self, number: int | None, form: MeetingForm, draft: meeting_domain.MeetingDraft
    ) -> MeetingFormRequest | None:
        """The form again, filled in as submitted, with the warning, unless the facilitator
        already saw this very warning (``form.go_ahead`` carries what they were warned of)."""
        span = (draft.starts_at, draft.ends_at)

        def work(session: Session, network: Network) -> list[meeting_domain.Concern]:
            meeting_id = None
            if number is not None:
                meeting = meeting_domain.get_meeting(session, network, number)
                if (meeting.starts_at, meeting.ends_at) == span:
                    return []  # the time is not changed: nothing new to warn about
                meeting_id = meeting.id
            return self._concerns(session, network, span, meeting_id)

        found = self._ctx.run(work)
        key = ",".join(c.key for c in found)
        if not found or form.go_ahead == key:
            return None
        local_start, local_end = (t.astimezone(self._ctx.tz) for t in span)
        return MeetingFormRequest(
            number=number,
            title=form.title,
            date=local_start.date(),
            start=local_start.strftime("%H:%M"),
            end=local_end.strftime("%H:%M"),
            format=draft.format.value,
            location=draft.location,
            link=draft.link,
            themes=tuple(draft.themes),
            theme_options=tuple(self._ctx.run(network_themes)),
            warning=texts.meeting_concerns(
                found, "ret" if number else "opret", format_span(*span, self._ctx.tz), form=True
            ),
            go_ahead=key,
        )

    def _draft_from_form(self, form: MeetingForm) -> meeting_domain.MeetingDraft:
        day = parse_date(form.date, today=self._ctx.today())
        start = parse_time(form.start)
        end = parse_time(form.end) if form.end.strip() else None
        if not form.title.strip():
            raise DomainError(ErrorKind.TITLE_MISSING)
        starts, ends = self._span(day, start, end, f"{form.date} {form.start}-{form.end}")
        fmt = FORMAT_WORDS.get(fold(form.format.strip()))
        if fmt is None:  # never a silent default: "hybrid" once became online that way
            raise DomainError(ErrorKind.FORMAT_MISSING)
        return meeting_domain.MeetingDraft(
            form.title, starts, ends, fmt, form.location, list(form.themes), form.link
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
                link=meeting.link,
                themes=tuple(meeting.themes),
                theme_options=tuple(network_themes(session, network)),
            )

        return self._ctx.run(work)

    def _edit(self, actor: Actor, number: int, draft: meeting_domain.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = meeting_domain.get_meeting(session, network, number)
            was = (meeting.starts_at, meeting.ends_at)
            moved = meeting_domain.update_meeting(session, meeting, draft, now)
            self._after_change(session, network, meeting, now, moved_from=was if moved else None)
            return Reply(
                (texts.meeting_updated(meeting, self._ctx.tz, moved=moved),),
                result=Result(ResultKind.MEETING_UPDATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def _after_change(
        self,
        session: Session,
        network: Network,
        meeting: Meeting,
        now: datetime,
        *,
        moved_from: tuple[datetime, datetime] | None,
    ) -> None:
        """``moved_from``: the meeting's time before, when the change moved it."""
        if moved_from is not None:
            planner.cancel_stale(session, meeting)
            planner.notify_now(
                session,
                network,
                meeting,
                PostKind.MOVED,
                self._ctx.plan,
                now,
                tag=f"v={meeting.schedule_version}",
                payload=planner.moved_from(*moved_from),
            )
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
        planner.agenda_changed(session, meeting, now)

    def move(self, actor: Actor, rest: str, *, go_ahead: bool = False) -> Reply:
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
            meeting_domain.ensure_live(meeting, now)
            found = self._concerns(session, network, (starts, ends), meeting.id)
            if found and not go_ahead:
                return self._warning(found, (starts, ends), "flyt", rest)
            was = (meeting.starts_at, meeting.ends_at)
            meeting_domain.move_meeting(session, meeting, starts, ends, now)
            self._after_change(session, network, meeting, now, moved_from=was)
            return Reply(
                (
                    texts.meeting_moved_reply(meeting, self._ctx.tz),
                    self._schedule_lines(session, meeting),
                ),
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

    def copy(self, actor: Actor, rest: str, *, go_ahead: bool = False) -> Reply:
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
            found = self._concerns(session, network, (starts, starts + length))
            if found and not go_ahead:
                return self._warning(found, (starts, starts + length), "kopier", rest)
            meeting = meeting_domain.copy_meeting(
                session, network, source, starts, starts + length, actor.user_id, now
            )
            planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
            return Reply(
                (
                    texts.meeting_created(meeting, self._ctx.tz),
                    self._schedule_lines(session, meeting),
                ),
                result=Result(ResultKind.MEETING_CREATED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)
