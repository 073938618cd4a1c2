"""Polls with one vote per municipality: ``afstemning opret|luk|forlæng``, ``afstemninger``,
``eksport afstemning <nr>``, and the vote buttons. One transaction per call; the posts are
planned in it (``bot.posts.polls``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import polls as poll_domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import require_facilitator
from bot.domain.registration import Actor
from bot.domain.timeparse import ensure_future, find_date_and_times, local_to_utc
from bot.models import Network, Poll
from bot.posts import polls as poll_posts
from bot.replies import (
    Action,
    Attachment,
    Button,
    FormErrors,
    Outcome,
    PollField,
    PollFormRequest,
    Reply,
    Result,
    ResultKind,
)
from bot.reports.export import ExportFile, export_poll
from bot.service.context import Context
from bot.service.parsing import Word, ascii_number, fold, sub_action, words
from bot.service.report_data import export_format
from bot.texts import polls as poll_texts

POLL_ACTIONS = {
    "opret": ("opret", "ny"),
    "luk": ("luk",),
    "forlaeng": ("forlaeng", "forlang", "forlæng"),
}
MULTIPLE_WORDS = frozenset({"flere", "flervalg", "flervalgs"})
CLOSING_WORD = "luk"

# Which field of the form a refusal belongs next to (the rest: the question's).
_FIELD_OF = {
    ErrorKind.POLL_OPTIONS_COUNT: PollField.OPTIONS,
    ErrorKind.POLL_OPTIONS_SAME: PollField.OPTIONS,
    ErrorKind.DATE_MISSING: PollField.DATE,
    ErrorKind.DATE_INVALID: PollField.DATE,
    ErrorKind.DATE_IMPOSSIBLE: PollField.DATE,
    ErrorKind.DATE_IN_PAST: PollField.DATE,
    ErrorKind.POLL_CLOSING_MISSING: PollField.DATE,
    ErrorKind.TIME_MISSING: PollField.TIME,
    ErrorKind.TIME_INVALID: PollField.TIME,
}


@dataclass(frozen=True, slots=True)
class PollForm:
    """What the poll form holds: the closing time as written (Slack: its date and time)."""

    question: str
    options: tuple[str, ...]
    closing: str
    multiple: bool = False


class Polls:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- commands ----------------------------------------------------------------------------

    def command(self, actor: Actor, args: str) -> Outcome:
        """``afstemning opret|luk|forlæng …``; bare ``afstemning`` lists them."""
        action, word, rest = sub_action(args, POLL_ACTIONS)
        if action is None and not word:
            return self.list_polls(actor, "")
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word,
                allowed=["opret", "luk", "forlæng"],
                command="afstemning",
            )
        # A member who types a facilitator's subcommand hears that first, not how to write it.
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        if action == "opret" and not rest:
            return PollFormRequest(self._ctx.today())
        if action == "opret":
            return self._open(actor, rest)
        number, _, when = rest.strip().partition(" ")
        if action == "luk":
            return self._close(actor, number)
        return self._extend(actor, number, when)

    def submit_form(self, actor: Actor, form: PollForm) -> Reply | FormErrors:
        """The poll form: the same rules as the command; a refusal next to its field."""
        checked = self.check_form(form)
        if isinstance(checked, FormErrors):
            return checked
        try:
            return self._opened(actor, checked)
        except DomainError as err:
            return self._form_errors(err)

    def check_form(self, form: PollForm) -> poll_domain.PollDraft | FormErrors:
        """The form's answers without the database (a modal's ack): the poll to open, or errors
        next to their fields. Who may open one is the database's, asked by ``save_form``."""
        try:
            return self._form_draft(form)
        except DomainError as err:
            return self._form_errors(err)

    def save_form(self, actor: Actor, form: PollForm) -> Reply:
        """The form after its ack (``check_form`` passed): the poll opened, or why not (not a
        facilitator, no channel, the closing time passed meanwhile) as a refusal."""
        try:
            return self._opened(actor, self._form_draft(form))
        except DomainError as err:
            return Reply(
                (texts.errors.error(err, self._ctx.today()),), result=Result.refused(err.kind)
            )

    def _form_draft(self, form: PollForm) -> poll_domain.PollDraft:
        closes_at = self._closing([Word(w, False) for w in form.closing.split()])
        draft = poll_domain.PollDraft(
            form.question.strip(),
            tuple(o.strip() for o in form.options if o.strip()),
            closes_at,
            form.multiple,
        )
        poll_domain.check_draft(draft)
        return draft

    def _form_errors(self, err: DomainError) -> FormErrors:
        field = _FIELD_OF.get(err.kind, PollField.QUESTION)
        if err.kind is ErrorKind.TEXT_TOO_LONG and err.params.get("field") == "svarmulighed":
            field = PollField.OPTIONS
        return FormErrors({field: texts.common.plain(texts.errors.error(err, self._ctx.today()))})

    def _open(self, actor: Actor, rest: str) -> Reply:
        return self._opened(actor, self._draft(rest))

    def _opened(self, actor: Actor, draft: poll_domain.PollDraft) -> Reply:

        def work(session: Session, network: Network) -> Reply:
            require_facilitator(session, network, actor.user_id)
            channel = self._ctx.settings.channel
            if channel is None:
                raise DomainError(ErrorKind.NO_CHANNEL)
            now = self._ctx.now()
            poll = poll_domain.open_poll(session, network, draft, actor.user_id, now)
            poll_posts.opened(session, poll, channel, self._ctx.tz, now)
            return Reply(
                (poll_texts.poll_opened(poll.number, poll.question, poll.closes_at, self._ctx.tz),),
                result=Result(ResultKind.POLL_OPENED, ids={"poll": poll.id, "number": poll.number}),
            )

        return self._ctx.run(work)

    def _draft(self, rest: str) -> poll_domain.PollDraft:
        """``"Spørgsmål?" "Svar 1" "Svar 2" [flere] luk <dato> <tid>``."""
        written = words(rest)
        at = next(
            (i for i, w in enumerate(written) if not w.quoted and fold(w.text) == CLOSING_WORD),
            None,
        )
        if at is None:
            if not any(w.quoted for w in written):
                raise DomainError(ErrorKind.POLL_QUESTION_MISSING)
            raise DomainError(ErrorKind.POLL_CLOSING_MISSING)
        multiple = False
        texts: list[str] = []
        for word in written[:at]:
            if word.quoted:
                texts.append(word.text)
            elif fold(word.text) in MULTIPLE_WORDS:
                multiple = True
            else:
                raise DomainError(ErrorKind.POLL_WORD_UNKNOWN, value=word.text)
        after = [w for w in written[at + 1 :] if w.quoted or fold(w.text) not in MULTIPLE_WORDS]
        multiple = multiple or len(after) < len(written) - at - 1
        if not texts:
            raise DomainError(ErrorKind.POLL_QUESTION_MISSING)
        closes_at = self._closing(after)
        draft = poll_domain.PollDraft(texts[0], tuple(texts[1:]), closes_at, multiple)
        poll_domain.check_draft(draft)
        return draft

    def _closing(self, written: list[Word]) -> datetime:
        text = " ".join(w.text for w in written)
        if not text.strip():
            raise DomainError(ErrorKind.POLL_CLOSING_MISSING)
        day, start, _end, left = find_date_and_times(text, today=self._ctx.today())
        if left.strip():
            raise DomainError(ErrorKind.POLL_WORD_UNKNOWN, value=left.strip())
        closes_at = local_to_utc(day, start, self._ctx.tz)
        ensure_future(closes_at, self._ctx.now(), text)
        return closes_at

    def _close(self, actor: Actor, ref: str) -> Reply:
        def work(session: Session, network: Network) -> Reply:
            require_facilitator(session, network, actor.user_id)
            poll = poll_domain.get_poll(session, network, ref)
            now = self._ctx.now()
            poll_domain.close_now(poll, now)
            session.flush()
            poll_posts.closing_moved(session, poll, self._ctx.tz, now)
            return Reply(
                (poll_texts.poll_closed_early(poll.number),),
                result=Result(ResultKind.POLL_CLOSED, ids={"poll": poll.id}),
            )

        return self._ctx.run(work)

    def _extend(self, actor: Actor, ref: str, when: str) -> Reply:
        closes_at = self._closing([Word(w, False) for w in when.split()])

        def work(session: Session, network: Network) -> Reply:
            require_facilitator(session, network, actor.user_id)
            poll = poll_domain.get_poll(session, network, ref)
            now = self._ctx.now()
            poll_domain.extend(poll, closes_at, now)
            session.flush()
            poll_posts.closing_moved(session, poll, self._ctx.tz, now)
            return Reply(
                (poll_texts.poll_extended(poll.number, poll.closes_at, self._ctx.tz),),
                result=Result(ResultKind.POLL_EXTENDED, ids={"poll": poll.id}),
            )

        return self._ctx.run(work)

    def list_polls(self, actor: Actor, args: str) -> Reply:
        """``afstemninger``: every poll with its closing time and turnout (totals only)."""

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            rows = []
            for poll in poll_domain.polls_of(session, network):
                tally = poll_domain.tally(session, network, poll)
                rows.append(
                    (
                        poll.number,
                        poll.question,
                        poll.closes_at,
                        poll_domain.is_open(poll, now),
                        tally.voted,
                        tally.members,
                    )
                )
            return Reply(
                tuple(poll_texts.polls_list(rows, self._ctx.tz)),
                result=Result(ResultKind.POLLS, ids={"polls": len(rows)}),
            )

        return self._ctx.run(work)

    def export(self, actor: Actor, args: str) -> Reply:
        """``eksport afstemning <nr> [xlsx|csv]`` (facilitators): which municipality voted what."""
        ref, _, rest = args.strip().partition(" ")
        fmt = export_format(rest)

        def work(
            session: Session, network: Network
        ) -> tuple[int, list[tuple[str, str, datetime, str]]]:
            require_facilitator(session, network, actor.user_id)
            poll = poll_domain.get_poll(session, network, ref)
            found = poll_domain.ballots(session, poll)
            return poll.number, [
                (b.municipality, ", ".join(b.choices), b.cast_at, b.voter) for b in found
            ]

        number, rows = self._ctx.run(work)
        made: ExportFile = export_poll(
            rows, poll_texts.EXPORT_HEADERS, today=self._ctx.today(), fmt=fmt, tz=self._ctx.tz
        )
        return Reply(
            (poll_texts.exported(made.filename, len(rows)),),
            attachment=Attachment(made.filename, made.content, poll_texts.EXPORT_TITLE),
            result=Result(ResultKind.EXPORTED, ids={"rows": len(rows), "poll": number}),
        )

    # -- the buttons -------------------------------------------------------------------------

    def vote(self, actor: Actor, value: str, remove: bool = False) -> Reply:
        """A vote button: ``<poll id>:<option id>``. The municipality is the voter's own (their
        seat), the option must be the poll's; anything else in the value names nothing."""
        poll_id, option_id = _ids(value)

        def work(session: Session, network: Network) -> Reply:
            poll = poll_domain.poll_by_id(session, network, poll_id)
            if poll is None:
                raise DomainError(ErrorKind.POLL_UNKNOWN, ref=str(poll_id))
            person = self._ctx.people.me(session, actor)
            now = self._ctx.now()
            cast = poll_domain.cast_vote(
                session, network, poll, option_id, person, now, remove=remove
            )
            if cast.changed:
                poll_posts.voted(session, network, poll, cast, person, now)
            return self._voted(session, poll, cast)

        return self._ctx.run(work)

    def _voted(self, session: Session, poll: Poll, cast: poll_domain.Cast) -> Reply:
        labels = {o.id: o.label for o in poll_domain.options_of(session, poll)}
        chosen = [labels[i] for i in cast.chosen]
        municipality = self._ctx.directory.name_of(cast.municipality_code)
        buttons = (
            tuple(
                Button(
                    (poll_texts.REMOVE_PREFIX + labels[i])[:75],
                    Action.POLL_UNVOTE,
                    f"{poll.id}:{i}",
                )
                for i in cast.chosen
            )
            if poll.multiple
            else ()
        )
        return Reply(
            (
                poll_texts.vote_saved(
                    poll.number, municipality, chosen, multiple=poll.multiple, changed=cast.changed
                ),
            ),
            buttons=buttons,
            result=Result(
                ResultKind.POLL_VOTED,
                ids={
                    "poll": poll.id,
                    "municipality": cast.municipality_code,
                    "changed": int(cast.changed),
                },
            ),
        )


def _ids(value: str) -> tuple[int, int]:
    """``<poll id>:<option id>``, both plain ASCII numbers; anything else is id 0 (nothing)."""
    first, sep, second = value.partition(":")
    poll_id = ascii_number(first, digits=9) if sep else None
    option_id = ascii_number(second, digits=9) if sep else None
    return poll_id or 0, option_id or 0
