"""Meeting commands: ``/klimanet møde …``, ``punkt …``, ``nyt``, ``møder``, ``dagsorden``,
``kalender``. Facilitators plan; everyone reads. Every change plans its posts in the outbox in
the same transaction, so a meeting never exists without its schedule (or the other way round).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot import texts
from bot.clock import Clock
from bot.domain import meetings as dm
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.schedule import due_at
from bot.domain.themes import network_themes
from bot.domain.timeparse import (
    find_date_and_times,
    local_to_utc,
    parse_date,
    parse_time,
)
from bot.models import AgendaKind, Meeting, MeetingFormat, Network
from bot.posts import planner
from bot.posts.outbox import Planned, enqueue
from bot.posts.render import ics_attachment
from bot.replies import (
    FIELD_MEETING_DATE,
    FIELD_MEETING_TIME,
    FIELD_MEETING_TITLE,
    FormErrors,
    MeetingFormRequest,
    Reply,
)
from bot.service.parsing import ITEM_ACTIONS, MEETING_ACTIONS, fold, options, sub_action, tokens

T = TypeVar("T")


class Runner(Protocol):
    """Runs one unit of work in one transaction (``Klimanet._run``)."""

    def __call__(self, work: Callable[[Session, Network], T]) -> T: ...


DEFAULT_LENGTH = timedelta(hours=2)
FORMAT_WORDS = {
    "online": MeetingFormat.ONLINE,
    "fysisk": MeetingFormat.PHYSICAL,
    "fysiske": MeetingFormat.PHYSICAL,
    "fremmoede": MeetingFormat.PHYSICAL,
}
ITEM_KIND_WORDS = {
    "internt": AgendaKind.INTERNAL,
    "intern": AgendaKind.INTERNAL,
    "eksternt": AgendaKind.EXTERNAL,
    "ekstern": AgendaKind.EXTERNAL,
    "droeftelse": AgendaKind.DISCUSSION,
    "pause": AgendaKind.BREAK,
    "nyt": AgendaKind.NEWS,
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


class MeetingCommands:
    def __init__(
        self,
        run: Runner,
        clock: Clock,
        tz: ZoneInfo,
        plan: planner.PlanConfig,
    ) -> None:
        self._run = run
        self._clock = clock
        self._tz = tz
        self._plan = plan

    # -- helpers ----------------------------------------------------------------------------

    def _today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def find(self, session: Session, network: Network, ref: str) -> Meeting:
        ref = ref.strip()
        if not ref:
            raise DomainError(ErrorKind.MEETING_MISSING)
        number = ref.lstrip("#")
        if number.isascii() and number.isdigit() and len(number) <= 6:
            return dm.get_meeting(session, network, int(number))
        try:
            day = parse_date(ref, today=self._today())
        except DomainError:
            raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=ref) from None
        start = local_to_utc(day, time(0), self._tz)
        found = dm.meetings_on(session, network, start, start + timedelta(days=1))
        if not found:
            raise DomainError(ErrorKind.MEETING_UNKNOWN, ref=ref)
        if len(found) > 1:
            raise DomainError(
                ErrorKind.MEETING_AMBIGUOUS, ref=ref, numbers=[m.number for m in found]
            )
        return found[0]

    def _facilitator(self, session: Session, network: Network, actor: reg.Actor) -> None:
        dm.require_facilitator(session, network, actor.user_id)

    def _span(
        self, day: date, start: time, end: time | None, raw: str
    ) -> tuple[datetime, datetime]:
        starts = local_to_utc(day, start, self._tz)
        ends = local_to_utc(day, end, self._tz) if end else starts + DEFAULT_LENGTH
        if ends <= starts:
            raise DomainError(ErrorKind.TIME_RANGE_INVALID, value=raw)
        if starts <= self._clock.now():
            raise DomainError(ErrorKind.DATE_IN_PAST, value=raw)
        return starts, ends

    def _schedule_lines(self, meeting: Meeting) -> str:
        now = self._clock.now()
        lines = []
        for name, offset in self._plan.schedule.items():
            if name not in planner.SCHEDULED:
                continue
            if name == "starting" and meeting.format != MeetingFormat.ONLINE.value:
                continue
            when = due_at(meeting.starts_at, offset, self._tz)
            lines.append(texts.schedule_line(name, when, self._tz, skipped=when < now))
        return "\n".join(lines)

    # -- everyone ---------------------------------------------------------------------------

    def list_meetings(self, actor: reg.Actor) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            meetings = dm.upcoming(session, network, self._clock.now())
            mine = reg.my_overview(session, network, actor)
            seat = (
                next(
                    (s for s in mine.seats if s.holder and s.holder.user_id == actor.user_id), None
                )
                if mine
                else None
            )
            return Reply(tuple(texts.meeting_list(meetings, self._tz, seat)))

        return self._run(work)

    def find_or_next(self, session: Session, network: Network, ref: str) -> Meeting:
        """The meeting ``ref`` names, or the next one when no reference is given."""
        meeting = (
            self.find(session, network, ref)
            if ref.strip()
            else dm.next_meeting(session, network, self._clock.now())
        )
        if meeting is None:
            raise DomainError(ErrorKind.NO_UPCOMING_MEETING)
        return meeting

    def agenda(self, ref: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            meeting = self.find_or_next(session, network, ref)
            return Reply(
                tuple(
                    texts.agenda_post(
                        meeting, dm.news_for(session, meeting), self._tz, updated=False
                    )
                )
            )

        return self._run(work)

    def calendar(self, ref: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            meeting = self.find_or_next(session, network, ref)
            return Reply(
                (texts.calendar_sent(meeting),),
                attachment=ics_attachment(meeting, self._tz, self._clock.now()),
            )

        return self._run(work)

    # -- facilitators -----------------------------------------------------------------------

    def meeting_command(self, actor: reg.Actor, args: str) -> Reply | MeetingFormRequest:
        action, word, rest = sub_action(args, MEETING_ACTIONS)
        self._run(lambda s, n: self._facilitator(s, n, actor))
        match action:
            case "opret":
                if rest:
                    return self.create_from_line(actor, rest)
                return MeetingFormRequest(theme_options=tuple(self._run(network_themes)))
            case "flyt":
                return self.move(actor, rest)
            case "aflys":
                return self.cancel(actor, rest)
            case "ret":
                return self.edit_form(rest)
            case "kopier":
                return self.copy(actor, rest)
        raise DomainError(
            ErrorKind.OPTION_UNKNOWN,
            value=word or "",
            allowed=["opret", "flyt", "aflys", "ret", "kopier"],
            command="møde",
        )

    def _draft_from_line(self, text: str) -> dm.MeetingDraft:
        day, start, end, rest = find_date_and_times(text, today=self._today())
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
        return dm.MeetingDraft(
            title=" ".join(words),
            starts_at=starts,
            ends_at=ends,
            format=formats[0],
            location=location,
            themes=themes,
        )

    def create_from_line(self, actor: reg.Actor, text: str) -> Reply:
        draft = self._draft_from_line(text)
        return self._create(actor, draft)

    def _create(self, actor: reg.Actor, draft: dm.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = dm.create_meeting(session, network, draft, actor.user_id, now)
            planner.plan_meeting(session, network, meeting, self._plan, now)
            return Reply((texts.meeting_created(meeting, self._tz), self._schedule_lines(meeting)))

        return self._run(work)

    def submit_form(
        self, actor: reg.Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors:
        try:
            draft = self._draft_from_form(form)
        except DomainError as err:
            field = (
                FIELD_MEETING_TITLE
                if err.kind in (ErrorKind.TITLE_MISSING, ErrorKind.TEXT_TOO_LONG)
                else (
                    FIELD_MEETING_TIME
                    if err.kind
                    in (
                        ErrorKind.TIME_INVALID,
                        ErrorKind.TIME_MISSING,
                        ErrorKind.TIME_RANGE_INVALID,
                    )
                    else FIELD_MEETING_DATE
                )
            )
            return FormErrors({field: texts.plain(texts.error(err))})
        try:
            self._run(lambda s, n: self._facilitator(s, n, actor))
            if number is None:
                return self._create(actor, draft)
            return self._edit(actor, number, draft)
        except DomainError as err:
            return FormErrors({FIELD_MEETING_TITLE: texts.plain(texts.error(err))})

    def _draft_from_form(self, form: MeetingForm) -> dm.MeetingDraft:
        day = parse_date(form.date, today=self._today())
        start = parse_time(form.start)
        end = parse_time(form.end) if form.end.strip() else None
        if not form.title.strip():
            raise DomainError(ErrorKind.TITLE_MISSING)
        starts, ends = self._span(day, start, end, f"{form.date} {form.start}-{form.end}")
        fmt = FORMAT_WORDS.get(fold(form.format), MeetingFormat.ONLINE)
        return dm.MeetingDraft(form.title, starts, ends, fmt, form.location, list(form.themes))

    def edit_form(self, ref: str) -> MeetingFormRequest:
        def work(session: Session, network: Network) -> MeetingFormRequest:
            meeting = self.find(session, network, ref.split(" ")[0] if ref else "")
            local_start = meeting.starts_at.astimezone(self._tz)
            local_end = meeting.ends_at.astimezone(self._tz)
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

        return self._run(work)

    def _edit(self, actor: reg.Actor, number: int, draft: dm.MeetingDraft) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = dm.get_meeting(session, network, number)
            moved = dm.update_meeting(session, meeting, draft, now)
            self._after_change(session, network, meeting, now, moved=moved)
            return Reply((texts.meeting_updated(meeting, self._tz, moved=moved),))

        return self._run(work)

    def _after_change(
        self, session: Session, network: Network, meeting: Meeting, now: datetime, *, moved: bool
    ) -> None:
        if moved:
            planner.cancel_stale(session, meeting)
            planner.notify_now(
                session,
                network,
                meeting,
                "moved",
                self._plan,
                now,
                tag=f"v={meeting.schedule_version}",
            )
            planner.plan_meeting(session, network, meeting, self._plan, now)
        planner.agenda_changed(session, meeting, now)

    def move(self, actor: reg.Actor, rest: str) -> Reply:
        ref, _, when = rest.partition(" ")
        if not ref:
            raise DomainError(ErrorKind.MEETING_MISSING)

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = self.find(session, network, ref)
            day, start, end, _rest = find_date_and_times(when, today=self._today())
            if end is None:  # keep the meeting's length
                length = meeting.ends_at - meeting.starts_at
                starts, _ = self._span(day, start, None, when)
                ends = starts + length
            else:
                starts, ends = self._span(day, start, end, when)
            dm.move_meeting(session, meeting, starts, ends, now)
            self._after_change(session, network, meeting, now, moved=True)
            return Reply(
                (texts.meeting_moved_reply(meeting, self._tz), self._schedule_lines(meeting))
            )

        return self._run(work)

    def cancel(self, actor: reg.Actor, rest: str) -> Reply:
        ref, _, reason = rest.partition(" ")

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = self.find(session, network, ref)
            dm.cancel_meeting(session, meeting, reason, now)
            planner.cancel_all(session, meeting)
            planner.notify_now(session, network, meeting, "cancelled", self._plan, now, tag="final")
            return Reply((texts.meeting_cancelled_reply(meeting, self._tz),))

        return self._run(work)

    def copy(self, actor: reg.Actor, rest: str) -> Reply:
        ref, _, when = rest.partition(" ")

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            source = self.find(session, network, ref)
            day = parse_date(when, today=self._today()) if when.strip() else None
            if day is None:
                raise DomainError(ErrorKind.DATE_MISSING)
            local = source.starts_at.astimezone(self._tz)
            length = source.ends_at - source.starts_at
            starts, _ = self._span(day, local.time().replace(tzinfo=None), None, when)
            meeting = dm.copy_meeting(
                session, network, source, starts, starts + length, actor.user_id, now
            )
            planner.plan_meeting(session, network, meeting, self._plan, now)
            return Reply((texts.meeting_created(meeting, self._tz), self._schedule_lines(meeting)))

        return self._run(work)

    def item_command(self, actor: reg.Actor, args: str) -> Reply:
        action, word, rest = sub_action(args, ITEM_ACTIONS)
        self._run(lambda s, n: self._facilitator(s, n, actor))
        words = tokens(rest)
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word or "",
                allowed=["tilføj", "fjern", "flyt"],
                command="punkt",
            )
        if not words:
            raise DomainError(ErrorKind.MEETING_MISSING)
        ref, words = words[0], words[1:]

        def work(session: Session, network: Network) -> Reply:
            now = self._clock.now()
            meeting = self.find(session, network, ref)
            if action == "tilfoej":
                opts, title_words = options(words, {"type", "ved", "min"})
                kind_word = fold(opts.get("type", "internt"))
                if kind_word not in ITEM_KIND_WORDS:
                    raise DomainError(
                        ErrorKind.OPTION_UNKNOWN,
                        value=opts.get("type", ""),
                        allowed=["internt", "eksternt", "drøftelse", "pause"],
                        command="type",
                    )
                minutes = _number(opts["min"], "min") if "min" in opts else None
                dm.add_item(
                    session,
                    meeting,
                    " ".join(title_words),
                    ITEM_KIND_WORDS[kind_word],
                    opts.get("ved", ""),
                    minutes,
                    now,
                )
            elif action == "fjern":
                dm.remove_item(session, meeting, _number(words[0] if words else "", "punkt"), now)
            else:
                if len(words) < 2:
                    raise DomainError(
                        ErrorKind.NUMBER_INVALID, value=" ".join(words), field="punkt"
                    )
                dm.move_item(
                    session, meeting, _number(words[0], "punkt"), _number(words[1], "plads"), now
                )
            planner.agenda_changed(session, meeting, now)
            return Reply(
                tuple(
                    texts.agenda_post(
                        meeting, dm.news_for(session, meeting), self._tz, updated=False
                    )
                )
            )

        return self._run(work)

    def news(self, actor: reg.Actor, text: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            self._facilitator(session, network, actor)
            now = self._clock.now()
            post = dm.add_news(session, network, text, actor.user_id, now)
            if self._plan.channel is None:
                raise DomainError(ErrorKind.NO_CHANNEL)
            enqueue(
                session,
                [
                    Planned(
                        f"news:{post.id}:channel",
                        "news",
                        self._plan.channel,
                        now,
                        None,  # the network's news: cancelling the meeting must not swallow it
                        {"news_id": post.id},
                    )
                ],
                now,
            )
            meeting = session.get(Meeting, post.meeting_id) if post.meeting_id else None
            if meeting is not None:
                session.refresh(meeting)
                planner.agenda_changed(session, meeting, now)
            return Reply((texts.news_saved(meeting),))

        return self._run(work)


def _number(value: str, field: str) -> int:
    value = value.strip().lstrip("#")
    if not (value.isascii() and value.isdigit()) or len(value) > 4:
        raise DomainError(ErrorKind.NUMBER_INVALID, value=value, field=field)
    return int(value)
