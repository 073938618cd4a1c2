"""Who comes: ``afbud`` (optionally naming a substitute), ``deltager``, ``deltagere``, and the
"Kommer du stadig?" buttons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Actor
from bot.domain.seats import attendance
from bot.models import Meeting, Network, Person
from bot.posts import notices
from bot.replies import Reply, Result, ResultKind
from bot.service.consent import Consent
from bot.service.context import Context
from bot.service.parsing import meeting_ref_words, mentions, tokens


class Attendance:
    def __init__(self, ctx: Context, consent: Consent) -> None:
        self._ctx = ctx
        self._consent = consent

    def regrets(self, actor: Actor, args: str) -> Reply:
        """``afbud <møde> [@vikar]``: the seat stays the holder's; the coordinator is asked for
        a substitute unless one is named (who must accept)."""
        found, rest = mentions(tokens(args))
        ref_word = " ".join(rest[: meeting_ref_words(rest, today=self._ctx.today())])
        named = self._ctx.people.mentioned(actor, found[0], "afbud") if found else None

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref_word)
            me = self._ctx.people.me(session, actor)
            regrets = attendance.send_regrets(session, network, meeting, me, now)
            asked = None
            if named is not None:
                if regrets.was_substitute:
                    raise DomainError(ErrorKind.SUBSTITUTE_CHAIN)
                substitute = self._ctx.people.upsert(session, named)
                self._consent.offer_substitute(session, network, me, substitute, meeting, None)
                asked = substitute.name
            else:
                _tell_coordinator(session, meeting, regrets, me, now)
            return Reply(
                (texts.consent.regrets_saved(texts.meetings.meeting_name(meeting), asked),),
                result=Result(ResultKind.REGRETS_SAVED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def attend(self, actor: Actor, args: str) -> Reply:
        """``deltager <møde>``."""
        words = tokens(args)
        ref_word = " ".join(words[: meeting_ref_words(words, today=self._ctx.today())])

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting(session, network, ref_word)
            me = self._ctx.people.me(session, actor)
            attendance.confirm(session, network, meeting, me, self._ctx.now())
            return Reply(
                (texts.consent.confirmed_attendance(texts.meetings.meeting_name(meeting)),),
                result=Result(ResultKind.ATTENDANCE_CONFIRMED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def roster(self, actor: Actor, args: str) -> Reply:
        """``deltagere [møde]``: who comes from which municipality."""
        words = tokens(args)
        ref_word = " ".join(words[: meeting_ref_words(words, today=self._ctx.today())])

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_or_next(session, network, ref_word)
            municipalities = attendance.roster(session, network, meeting)
            return Reply(
                tuple(
                    texts.consent.roster_text(texts.meetings.meeting_name(meeting), municipalities)
                ),
                result=Result(ResultKind.ROSTER, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def still_coming(self, actor: Actor, coming: bool, meeting_id: int) -> Reply:
        """Ja/Nej on "Kommer du stadig?"."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            me, own = self._ctx.people.me_and_seat(session, network, actor)
            if coming:
                attendance.confirm(session, network, meeting, me, now, own=own)
                kind = ResultKind.ATTENDANCE_CONFIRMED
            else:
                regrets = attendance.send_regrets(session, network, meeting, me, now, own=own)
                _tell_coordinator(session, meeting, regrets, me, now)
                kind = ResultKind.REGRETS_SAVED
            return Reply(
                (texts.consent.still_coming_answered(coming),),
                replace_original=True,
                result=Result(kind, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)


def _tell_coordinator(
    session: Session,
    meeting: Meeting,
    regrets: attendance.Regrets,
    absent: Person,
    now: datetime,
) -> None:
    """Regrets from someone else than the coordinator: ask the coordinator for a substitute."""
    coordinator = regrets.coordinator
    if coordinator is not None and coordinator.id != absent.id:
        notices.regrets_noticed(session, meeting.id, regrets.seat, absent, coordinator, now)
