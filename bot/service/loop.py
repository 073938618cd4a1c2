"""The loop after a meeting: ``materiale``, ``fremmøde``, ``feedback`` and their buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from bot.domain import loop as domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import is_facilitator, require_facilitator
from bot.domain.registration import Actor
from bot.models import Meeting, Network
from bot.posts import loop as loop_posts
from bot.posts.render_loop import attendance_reply
from bot.replies import (
    FeedbackField,
    FeedbackFormRequest,
    FormErrors,
    Reply,
    Result,
    ResultKind,
    as_written,
)
from bot.service.context import Context
from bot.service.parsing import ascii_number, fold, meeting_ref_words, tokens
from bot.texts import loop as texts

T = TypeVar("T")

# ``feedback <nr> <1-5> navn …``: the comment may carry the person's name.
SIGNED_WORDS = frozenset({"navn", "underskrevet", "signeret", "medavn"})
CONFIRM_WORDS = frozenset({"bekraeft", "bekraft", "confirm"})


def _link(word: str) -> str:
    """A link as a chat may deliver it: Slack wraps links in <…> (with |label) and escapes &."""
    if word.startswith("<") and word.endswith(">"):
        word = word[1:-1].split("|", 1)[0]
    return word.replace("&amp;", "&")


def _pair(value: str) -> tuple[int, int]:
    """A button's ``<id>:<id>``; anything else names nothing (0, 0)."""
    first, _, second = value.partition(":")
    return ascii_number(first, digits=9) or 0, ascii_number(second, digits=9) or 0


@dataclass(frozen=True, slots=True)
class FeedbackForm:
    """What the feedback form holds: the meeting (from the form, not from the person), the
    rating as given, the comment, and whether to sign it with one's name."""

    meeting_id: int
    rating: str
    comment: str
    signed: bool = False


def check_feedback_form(form: FeedbackForm) -> FormErrors | None:
    """The form's problems without the database (fit for a modal's ack): a rating from 1 to 5,
    a comment that is there and not too long."""
    errors: dict[str, str] = {}
    rating = ascii_number(form.rating.strip(), digits=1)
    if rating is None or not 1 <= rating <= 5:
        errors[FeedbackField.RATING] = texts.FEEDBACK_FORM_RATING_MISSING
    comment = form.comment.strip()
    if not comment:
        errors[FeedbackField.COMMENT] = texts.FEEDBACK_FORM_COMMENT_MISSING
    elif len(comment) > domain.MAX_COMMENT:
        errors[FeedbackField.COMMENT] = texts.feedback_form_comment_too_long(domain.MAX_COMMENT)
    if form.meeting_id <= 0:
        errors[FeedbackField.RATING] = texts.FEEDBACK_FORM_STALE
    return FormErrors(errors) if errors else None


class Loop:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def _split(self, args: str) -> tuple[str, list[str]]:
        words = tokens(args)
        count = meeting_ref_words(words, today=self._ctx.today())
        return " ".join(words[:count]), words[count:]

    def _facilitator(self, actor: Actor, work: Callable[[Session, Network], T]) -> T:
        def checked(session: Session, network: Network) -> T:
            require_facilitator(session, network, actor.user_id)
            return work(session, network)

        return self._ctx.run(checked)

    # -- materiale --------------------------------------------------------------------------

    def material(self, actor: Actor, args: str) -> Reply:
        """``materiale <møde> <link> [titel]`` (facilitators)."""
        ref, rest = self._split(args)
        if not rest:
            raise DomainError(ErrorKind.MATERIAL_LINK_MISSING)
        url, title = _link(rest[0]), " ".join(rest[1:])

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            first = not domain.materials(session, [meeting.id])
            material = domain.add_material(session, meeting, url, title, actor.user_id, now)
            loop_posts.material_added(
                session, meeting, material.id, self._ctx.settings.channel, now
            )
            return Reply(
                (texts.material_saved(meeting, first=first, over=meeting.ends_at <= now),),
                result=Result(
                    ResultKind.MATERIAL_SAVED,
                    ids={"meeting": meeting.number, "material": material.id},
                ),
            )

        return self._facilitator(actor, work)

    # -- fremmøde ---------------------------------------------------------------------------

    def _list(self, session: Session, network: Network, meeting: Meeting, **ids: int) -> Reply:
        reply = attendance_reply(session, network, meeting, self._ctx.tz)
        lines = domain.presence_list(session, network, meeting)
        return Reply(
            reply.sections,
            buttons=reply.buttons,
            result=Result(
                ResultKind.ATTENDANCE_LIST,
                ids={
                    "meeting": meeting.number,
                    "listed": len(lines),
                    "present": sum(1 for x in lines if x.present),
                    **ids,
                },
            ),
        )

    def presence(self, actor: Actor, args: str) -> Reply:
        """``fremmøde <møde>``: the list; ``fremmøde <møde> 2 5``: change those marks;
        ``fremmøde <møde> bekræft``: confirm it (facilitators, after the meeting)."""
        ref, rest = self._split(args)

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            domain.refuse_cancelled(meeting)
            domain.refuse_before_end(meeting, now)
            if rest and fold(rest[0]) in CONFIRM_WORDS:
                return self._confirmed(session, network, meeting, actor)
            lines = domain.presence_list(session, network, meeting)
            for word in rest:
                position = ascii_number(word, digits=6)
                if position is None or not 1 <= position <= len(lines):
                    raise DomainError(ErrorKind.NOT_ON_ATTENDANCE_LIST, number=meeting.number)
            for word in dict.fromkeys(rest):  # each number once, as listed before the changes
                line = lines[int(word) - 1]
                domain.toggle_presence(session, network, meeting, line.person.id, now)
            return self._list(session, network, meeting)

        return self._facilitator(actor, work)

    def _confirmed(
        self, session: Session, network: Network, meeting: Meeting, actor: Actor
    ) -> Reply:
        new = domain.confirm_presence(session, network, meeting, actor.user_id, self._ctx.now())
        present = sum(1 for x in domain.presence_list(session, network, meeting) if x.present)
        return Reply(
            (texts.presence_confirmed(meeting, already=not new),),
            replace_original=True,
            result=Result(
                ResultKind.PRESENCE_CONFIRMED,
                ids={"meeting": meeting.number, "present": present, "confirmed": int(new)},
            ),
        )

    def toggle_click(self, actor: Actor, value: str) -> Reply:
        meeting_id, person_id = _pair(value)

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            line = domain.toggle_presence(session, network, meeting, person_id, self._ctx.now())
            listed = self._list(session, network, meeting)
            assert listed.result is not None
            return Reply(
                listed.sections,
                buttons=listed.buttons,
                replace_original=True,
                result=Result(
                    ResultKind.PRESENCE_MARKED,
                    ids={
                        "meeting": meeting.number,
                        "person": person_id,
                        "present": int(line.present),
                    },
                ),
            )

        return self._facilitator(actor, work)

    def confirm_click(self, actor: Actor, meeting_id: int) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            return self._confirmed(session, network, meeting, actor)

        return self._facilitator(actor, work)

    # -- feedback ---------------------------------------------------------------------------

    def feedback(self, actor: Actor, args: str) -> Reply:
        """``feedback <møde> <1-5> [navn] [kommentar]``; a facilitator's ``feedback <møde>``
        shows the average, the count and the comments."""
        ref, rest = self._split(args)
        if not rest:
            return self._summary(actor, ref)
        rating = ascii_number(rest[0], digits=2)
        signed = len(rest) > 1 and fold(rest[1]) in SIGNED_WORDS
        comment = " ".join(rest[2:] if signed else rest[1:])

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting(session, network, ref)
            if rating is None:
                raise DomainError(ErrorKind.FEEDBACK_RATING_INVALID, value=rest[0][:10])
            me = self._ctx.people.me(session, actor)
            domain.give_feedback(
                session,
                network,
                meeting,
                me,
                rating,
                self._ctx.now(),
                comment=comment,
                signed=signed and bool(comment),
            )
            return Reply(
                (texts.feedback_saved(meeting, rating, comment=bool(comment), signed=signed),),
                result=Result(
                    ResultKind.FEEDBACK_SAVED, ids={"meeting": meeting.number, "rating": rating}
                ),
            )

        return self._ctx.run(work)

    def rate_click(self, actor: Actor, value: str) -> Reply:
        meeting_id, rating = _pair(value)

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            me = self._ctx.people.me(session, actor)
            domain.give_feedback(session, network, meeting, me, rating, self._ctx.now())
            return Reply(
                (texts.feedback_saved(meeting, rating, comment=False, signed=False),),
                replace_original=True,
                result=Result(
                    ResultKind.FEEDBACK_SAVED, ids={"meeting": meeting.number, "rating": rating}
                ),
            )

        return self._ctx.run(work)

    def _summary(self, actor: Actor, ref: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            if not is_facilitator(session, network, actor.user_id):
                raise DomainError(ErrorKind.FEEDBACK_RATING_INVALID, value="")
            meeting = self._ctx.meeting(session, network, ref)
            return self.summary_reply(session, meeting)

        return self._ctx.run(work)

    @staticmethod
    def summary_reply(session: Session, meeting: Meeting) -> Reply:
        found = domain.feedback_summary(session, meeting)
        return Reply(
            tuple(texts.feedback_summary(meeting, found.count, found.average, found.comments)),
            result=Result(
                ResultKind.FEEDBACK_SUMMARY, ids={"meeting": meeting.number, "count": found.count}
            ),
        )

    # -- the feedback form ------------------------------------------------------------------

    def feedback_form(self, actor: Actor, value: str) -> FeedbackFormRequest | Reply:
        """ "Skriv en kommentar": the form, filled in with the answer so far; a refusal (the
        meeting was cancelled, the person was not there) instead of a form they cannot send."""
        meeting_id = ascii_number(value, digits=9) or 0

        def work(session: Session, network: Network) -> FeedbackFormRequest:
            meeting = self._ctx.meeting_by_id(session, network, meeting_id)
            me = self._ctx.people.me(session, actor)
            domain.may_give_feedback(session, network, meeting, me, self._ctx.now())
            given = domain.feedback_of(session, meeting, me)
            return FeedbackFormRequest(
                meeting.id,
                meeting.number,
                as_written(texts.feedback_form_meeting(meeting, self._ctx.tz)),
                given.rating if given is not None else None,
                given.comment if given is not None else "",
                given.signed if given is not None else False,
            )

        return self._ctx.run(work)

    def save_feedback_form(self, actor: Actor, form: FeedbackForm) -> Reply:
        """After ``check_feedback_form`` passed: save it (what only the database knows, such as
        a cancelled meeting, is refused here)."""
        rating = ascii_number(form.rating.strip(), digits=1) or 0
        comment = form.comment.strip()

        def work(session: Session, network: Network) -> Reply:
            meeting = self._ctx.meeting_by_id(session, network, form.meeting_id)
            me = self._ctx.people.me(session, actor)
            domain.give_feedback(
                session,
                network,
                meeting,
                me,
                rating,
                self._ctx.now(),
                comment=comment,
                signed=form.signed,
            )
            return Reply(
                (texts.feedback_saved(meeting, rating, comment=True, signed=form.signed),),
                result=Result(
                    ResultKind.FEEDBACK_SAVED, ids={"meeting": meeting.number, "rating": rating}
                ),
            )

        return self._ctx.run(work)
