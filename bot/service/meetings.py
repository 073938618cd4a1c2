"""Meetings: ``møde opret|flyt|aflys|ret|kopier`` (facilitators), ``møder``, ``dagsorden`` and
``kalender`` (everyone). Every change plans its posts in the outbox in the same transaction, so a
meeting never exists without its schedule (or the other way round).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import loop as loop_domain
from bot.domain import meetings as meeting_domain
from bot.domain import registration as reg
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import require_facilitator
from bot.domain.registration import Actor
from bot.domain.seats.attendance import substitution_of
from bot.domain.themes import network_themes
from bot.domain.timeparse import find_date_and_times, local_to_utc, parse_date
from bot.models import Meeting, MeetingFormat, MeetingStatus, Network
from bot.posts import place, planner
from bot.posts.calendar import ics_attachment
from bot.posts.kinds import PostKind
from bot.posts.outbox import sent_to_channel
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
from bot.service.meeting_form import FormReading, field_of, read_form
from bot.service.meeting_form import MeetingForm as MeetingForm  # where the form was defined
from bot.service.parsing import (
    MEETING_ACTIONS,
    ascii_number,
    fold,
    meeting_line,
    options,
    split_meeting_ref,
    sub_action,
    tokens,
)
from bot.texts import loop as loop_texts
from bot.texts.dates import format_span

DEFAULT_LENGTH = timedelta(hours=2)

# ``møde aflys <nr> bekræft``: the word that says the facilitator has seen the question.
CONFIRM_WORDS = frozenset({"bekraeft", "bekraft", "bekreft"})

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
        return "\n".join(
            texts.posts.schedule_line(t.name, t.when, self._ctx.tz, t.state) for t in times
        )

    # -- everyone ---------------------------------------------------------------------------

    def list_meetings(self, actor: Actor, args: str) -> Reply:
        """``møder``: the coming meetings, with one's own seat; ``møder <møde>``: that one.
        A cancelled meeting nobody heard of is left out: to everyone it never was."""

        def work(session: Session, network: Network) -> Reply:
            if args.strip():
                meeting = self._ctx.meeting(session, network, args)
                meetings = [meeting]
            else:
                meetings = [
                    m
                    for m in meeting_domain.upcoming(session, network, self._ctx.now())
                    if m.status != MeetingStatus.CANCELLED.value or told_anyone(session, m)
                ]
            mine = reg.my_overview(session, network, actor)
            seat = (
                next(
                    (s for s in mine.seats if s.holder and s.holder.user_id == actor.user_id), None
                )
                if mine
                else None
            )
            sections = texts.meetings.meeting_list(
                meetings,
                self._ctx.tz,
                seat,
                _notes(session, meetings, actor),
                one=bool(args.strip()),
            )
            return Reply(
                tuple(sections + _past_material(session, network, meetings, self._ctx)),
                result=Result(
                    ResultKind.MEETINGS,
                    ids={"meeting": meetings[0].number} if args.strip() else {},
                ),
            )

        return self._ctx.run(work)

    def agenda(self, actor: Actor, ref: str) -> Reply:
        """``dagsorden [møde]``."""

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_or_next(session, network, ref)
            news = meeting_domain.news_for(session, meeting)
            return Reply(
                tuple(texts.meetings.agenda_post(meeting, news, self._ctx.tz, updated=False)),
                result=Result(ResultKind.AGENDA, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def calendar(self, actor: Actor, ref: str) -> Reply:
        """``kalender [møde]``: the meeting's .ics file."""

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_or_next(session, network, ref)
            news = meeting_domain.news_for(session, meeting)
            return Reply(
                (texts.meetings.calendar_sent(meeting),),
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
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        return self._command(actor, value, go_ahead=True)

    def _command(self, actor: Actor, args: str, *, go_ahead: bool) -> Outcome:
        action, word, rest = sub_action(args, MEETING_ACTIONS)
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        actions: dict[str, Callable[[Actor, str], Outcome]] = {
            "opret": lambda a, r: self.create(a, r, go_ahead=go_ahead),
            "flyt": lambda a, r: self.move(a, r, go_ahead=go_ahead),
            "aflys": self.cancel,
            "ret": self.edit,
            "send": self.send_without_place,
            "kopier": lambda a, r: self.copy(a, r, go_ahead=go_ahead),
        }
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word or "",
                allowed=["opret", "flyt", "aflys", "ret", "kopier", "send"],
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
                Button(
                    texts.meetings.GO_AHEAD_BUTTONS[action],
                    Action.MEETING_GO_AHEAD,
                    value,
                    "primary",
                )
            )
        buttons.append(Button(texts.meetings.DROP_BUTTON, Action.MEETING_DROP, action))
        when = format_span(span[0], span[1], self._ctx.tz)
        return Reply(
            (texts.meetings.meeting_concerns(found, action, when, button=fits),),
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
            (texts.meetings.meeting_dropped(action),),
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
        line = meeting_line(rest)
        opts, formats = line.options, line.formats
        if not formats:
            raise DomainError(ErrorKind.FORMAT_MISSING)
        starts, ends = self._span(day, start, end, text)
        themes = [
            t.strip()
            for t in re.split(r"[,;]", opts.get("tema") or opts.get("temaer") or "")
            if t.strip()
        ]
        return meeting_domain.MeetingDraft(
            title=line.title,
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
            return self._created(session, network, meeting, now)

        return self._ctx.run(work)

    def _created(
        self, session: Session, network: Network, meeting: Meeting, now: datetime
    ) -> Reply:
        """Plan a new meeting's posts; the answer lists them, and warns of a missing place."""
        planner.plan_meeting(session, network, meeting, self._ctx.plan, now)
        sections = [texts.meetings.meeting_created(meeting, self._ctx.tz)]
        sections.append(self._schedule_lines(session, meeting))
        sections.extend(self._place_warning(session, meeting, now))
        return Reply(
            tuple(sections),
            result=Result(ResultKind.MEETING_CREATED, ids={"meeting": meeting.number}),
        )

    def _place_warning(self, session: Session, meeting: Meeting, now: datetime) -> list[str]:
        """Plan the reminder of a missing link or address, and say so (nothing if none is)."""
        if not meeting_domain.waits_for_place(meeting):
            return []
        reminder = place.plan_reminder(session, meeting, self._ctx.plan, now)
        missing = meeting_domain.missing_place(meeting)
        return [texts.meetings.place_missing(meeting, missing, reminder, self._ctx.tz)]

    def check_form(self, form: MeetingForm) -> FormErrors:
        """The form's problems, every field at once, without the database: what a form shows
        before anything is saved (empty when there are none)."""
        reading = self._read_form(form)
        return self._form_errors(reading.problems)

    def _read_form(self, form: MeetingForm) -> FormReading:
        return read_form(form, today=self._ctx.today(), now=self._ctx.now(), tz=self._ctx.tz)

    def _form_errors(self, problems: dict[MeetingField, DomainError]) -> FormErrors:
        today = self._ctx.today()
        return FormErrors(
            {field: texts.errors.form_field_error(err, today) for field, err in problems.items()}
        )

    def submit_form(
        self, actor: Actor, number: int | None, form: MeetingForm
    ) -> Reply | FormErrors | MeetingFormRequest:
        """The form's answer: the result, errors next to the fields, or the form again with a
        warning (a Saturday, a Sunday, another meeting at that time) to save anyway."""
        reading = self._read_form(form)
        if reading.draft is None:
            return self._form_errors(reading.problems)
        draft = reading.draft
        try:
            self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
            warned = self._form_warning(number, form, draft)
            if warned is not None:
                return warned
            if number is None:
                return self._create(actor, draft)
            return self._edit(actor, number, draft)
        except DomainError as err:
            return self._form_errors({field_of(err, MeetingField.TITLE): err})

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
            warning=texts.meetings.meeting_concerns(
                found, "ret" if number else "opret", format_span(*span, self._ctx.tz), form=True
            ),
            go_ahead=key,
        )

    def edit(self, actor: Actor, rest: str) -> Reply | MeetingFormRequest:
        """``møde ret <møde>``: the form; ``møde ret <møde> link=… sted=…``: just the place."""
        ref, tail = split_meeting_ref(rest, today=self._ctx.today())
        if not tail.strip():
            return self.edit_form(actor, rest)
        found, words = options(tokens(tail), {"link", "sted", "adresse"})
        if words or not found:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=(words[0] if words else tail.strip())[:40],
                allowed=["link=…", "sted=…"],
                command="møde ret",
            )

        def work(session: Session, network: Network) -> tuple[int, meeting_domain.MeetingDraft]:
            meeting = self._ctx.meeting(session, network, ref)
            return meeting.number, meeting_domain.MeetingDraft(
                title=meeting.title,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                format=MeetingFormat(meeting.format),
                location=found.get("sted", found.get("adresse", meeting.location)),
                themes=list(meeting.themes),
                link=found.get("link", meeting.link),
            )

        number, draft = self._ctx.run(work)
        return self._edit(actor, number, draft)

    def send_without_place(self, actor: Actor, rest: str) -> Reply:
        """``møde send <møde>``: go ahead without the missing link or address; the posts that
        waited for it go out now, the others at their time."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            ref, _ = split_meeting_ref(rest, today=self._ctx.today())
            meeting = self._ctx.meeting(session, network, ref)
            meeting_domain.ensure_live(meeting, now)
            missing = meeting_domain.missing_place(meeting)
            if not missing:
                return Reply(
                    (texts.meetings.place_complete(meeting),),
                    result=Result(
                        ResultKind.MEETING_SENT_WITHOUT_PLACE,
                        ids={"meeting": meeting.number, "released": 0},
                    ),
                )
            meeting_domain.send_without_place(session, meeting, now)
            released = place.release(session, meeting, now)
            return Reply(
                (texts.meetings.sent_without_place(meeting, missing, released),),
                result=Result(
                    ResultKind.MEETING_SENT_WITHOUT_PLACE,
                    ids={"meeting": meeting.number, "released": released},
                ),
            )

        return self._ctx.run(work)

    def send_button(self, actor: Actor, value: str) -> Reply:
        """The "Send uden link" button on the facilitator's reminder: ``møde send <nr>``."""
        number = ascii_number(value, digits=9)
        if number is None:
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        outcome = self._command(actor, f"send {number}", go_ahead=False)
        assert isinstance(outcome, Reply)
        return outcome

    def edit_form(self, actor: Actor, ref: str) -> MeetingFormRequest:
        """``møde ret <møde>``: the form, filled in."""

        def work(session: Session, network: Network) -> MeetingFormRequest:
            meeting = self._ctx.meeting(
                session, network, split_meeting_ref(ref, today=self._ctx.today())[0]
            )
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
            released = self._after_change(
                session, network, meeting, now, moved_from=was if moved else None
            )
            sections = [texts.meetings.meeting_updated(meeting, self._ctx.tz, moved=moved)]
            if released:
                sections.append(texts.meetings.place_released(released))
            sections.extend(self._place_warning(session, meeting, now))
            return Reply(
                tuple(sections),
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
    ) -> int:
        """``moved_from``: the meeting's time before, when the change moved it. Returns how
        many posts that waited for the meeting's link or address now go out."""
        if moved_from is not None:
            if not told_anyone(session, meeting):
                # Nobody knew the old time: to everyone, this is simply the meeting's time.
                meeting.status = MeetingStatus.PLANNED.value
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
            place.plan_reminder(session, meeting, self._ctx.plan, now)
        planner.agenda_changed(session, meeting, now)
        return place.release(session, meeting, now)

    def move(self, actor: Actor, rest: str, *, go_ahead: bool = False) -> Reply:
        ref, when = split_meeting_ref(rest, today=self._ctx.today())
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
                    texts.meetings.meeting_moved_reply(meeting, self._ctx.tz),
                    self._schedule_lines(session, meeting),
                ),
                result=Result(ResultKind.MEETING_MOVED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def cancel(self, actor: Actor, rest: str) -> Reply:
        """``møde aflys <møde> [bekræft] [begrundelse]``: asks first (the meeting, its time and
        how many will be told), with a button that confirms; ``bekræft`` cancels at once."""
        ref, tail = split_meeting_ref(rest, today=self._ctx.today())
        first, _, after = tail.strip().partition(" ")
        confirmed = fold(first) in CONFIRM_WORDS
        reason = after.strip() if confirmed else tail.strip()

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            if not confirmed:
                return self._ask_cancel(session, network, meeting, reason)
            meeting_domain.cancel_meeting(session, meeting, reason, now)
            planner.cancel_all(session, meeting)
            planner.notify_now(
                session, network, meeting, PostKind.CANCELLED, self._ctx.plan, now, tag="final"
            )
            return Reply(
                (texts.meetings.meeting_cancelled_reply(meeting, self._ctx.tz),),
                result=Result(ResultKind.MEETING_CANCELLED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def _ask_cancel(
        self, session: Session, network: Network, meeting: Meeting, reason: str
    ) -> Reply:
        """The question before a cancellation, like ``afmeld`` and ``slet-mig`` ask theirs."""
        meeting_domain.ensure_live(meeting, self._ctx.now())
        told = len(planner.audience(session, network, meeting, planner.Audience.TOLD))
        channel = bool(self._ctx.plan.channel) and sent_to_channel(
            session, meeting.id, planner.CHANNEL_KINDS
        )
        value = f"{meeting.number} {reason}".strip()
        buttons = [
            Button(texts.meetings.KEEP_MEETING_BUTTON, Action.MEETING_KEEP, str(meeting.number))
        ]
        if len(value) <= MAX_BUTTON_VALUE:
            buttons.insert(
                0,
                Button(
                    texts.meetings.CANCEL_MEETING_BUTTON, Action.MEETING_CANCEL, value, "danger"
                ),
            )
        return Reply(
            (texts.meetings.confirm_cancel_meeting(meeting, self._ctx.tz, told, channel=channel),),
            buttons=tuple(buttons),
            result=Result(
                ResultKind.MEETING_CANCEL_ASKED,
                ids={"meeting": meeting.number, "told": told, "channel": int(channel)},
            ),
        )

    def confirm_cancel(self, actor: Actor, value: str) -> Reply:
        """ "Ja, aflys mødet": the value (number and reason) is read like typed text, so only a
        facilitator can cancel this way, and a second click finds the meeting cancelled."""
        number, _, reason = value.partition(" ")
        if ascii_number(number, digits=9) is None:
            return Reply((texts.common.unknown_button(),), result=Result(ResultKind.UNKNOWN_BUTTON))
        try:
            outcome = self._command(
                actor, f"aflys {number} bekræft {reason}".strip(), go_ahead=False
            )
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),),
                replace_original=True,
                result=Result.refused(err.kind),
            )
        assert isinstance(outcome, Reply)
        return replace(outcome, replace_original=True)

    def keep(self, number: str) -> Reply:
        """ "Nej, behold mødet": nothing was done, and the message says so."""
        return Reply(
            (texts.meetings.meeting_kept(),),
            replace_original=True,
            result=Result(ResultKind.MEETING_KEPT),
        )

    def copy(self, actor: Actor, rest: str, *, go_ahead: bool = False) -> Reply:
        ref, when = split_meeting_ref(rest, today=self._ctx.today())

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
            return self._created(session, network, meeting, now)

        return self._ctx.run(work)


def _notes(session: Session, meetings: Sequence[Meeting], actor: Actor) -> dict[int, str]:
    """Under each meeting where the reader is a substitute, or has one on their seat: whose."""
    person = reg.find_person(session, actor)
    if person is None:
        return {}
    notes = {}
    for meeting in meetings:
        found = substitution_of(session, meeting, person)
        if found is not None:
            notes[meeting.id] = texts.consent.substitution_note(*found)
    return notes


def told_anyone(session: Session, meeting: Meeting) -> bool:
    """Whether anyone heard of the meeting: a direct message about it (``meeting_told``) or a
    post in the channel."""
    return bool(meeting_domain.told_people(session, meeting)) or sent_to_channel(
        session, meeting.id, planner.CHANNEL_KINDS
    )


# How many past meetings ``møder`` shows the material of.
PAST_WITH_MATERIAL = 3


def _past_material(
    session: Session, network: Network, shown: list[Meeting], ctx: Context
) -> list[str]:
    """The material of the meetings shown that are over, or (the coming ones listed) of the
    last few meetings held that have some."""
    now = ctx.now()
    past = [m for m in shown if m.ends_at <= now]
    if not past and len(shown) != 1:
        past = loop_domain.recent_with_material(session, network, now, PAST_WITH_MATERIAL)
    found = loop_domain.materials(session, [m.id for m in past])
    pairs = {mid: [(x.url, x.title) for x in rows] for mid, rows in found.items()}
    return loop_texts.past_material(past, pairs, ctx.tz)
