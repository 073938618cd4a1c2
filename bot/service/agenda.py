"""The agenda and the news: ``punkt tilføj|fjern|flyt`` and ``nyt`` (facilitators). A change to
an agenda already posted updates that post in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import texts
from bot.domain import meetings as meeting_domain
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.facilitators import require_facilitator
from bot.domain.registration import Actor
from bot.models import Meeting, Network
from bot.posts import notices, planner
from bot.replies import Reply, Result, ResultKind
from bot.service.context import Context
from bot.service.parsing import (
    ITEM_ACTIONS,
    ITEM_KIND_WORDS,
    ascii_number,
    bare_prefix,
    fold,
    meeting_ref_words,
    options,
    sub_action,
)
from bot.service.parsing import words as written_words


class Agenda:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def item_command(self, actor: Actor, args: str) -> Reply:
        """``punkt tilføj|fjern|flyt <møde> …``."""
        action, word, rest = sub_action(args, ITEM_ACTIONS)
        self._ctx.run(lambda s, n: require_facilitator(s, n, actor.user_id))
        written = written_words(rest)
        words = [w.text for w in written]
        if action is None:
            raise DomainError(
                ErrorKind.OPTION_UNKNOWN,
                value=word or "",
                allowed=["tilføj", "fjern", "flyt"],
                command="punkt",
            )
        if not words:
            raise DomainError(ErrorKind.MEETING_MISSING)
        # A quoted title is never read as part of the date ("14" "Maj" is meeting 14).
        count = meeting_ref_words(bare_prefix(written), today=self._ctx.today()) or 1
        ref, words = " ".join(words[:count]), words[count:]

        def work(session: Session, network: Network) -> Reply:
            now = self._ctx.now()
            meeting = self._ctx.meeting(session, network, ref)
            match action:
                case "tilfoej":
                    _add_item(session, meeting, words, now)
                case "fjern":
                    number = _number(words[0] if words else "", "punkt")
                    meeting_domain.remove_item(session, meeting, number, now)
                case _:
                    if len(words) < 2:
                        raise DomainError(
                            ErrorKind.NUMBER_INVALID, value=" ".join(words), field="punkt"
                        )
                    position, to = _number(words[0], "punkt"), _number(words[1], "plads")
                    meeting_domain.move_item(session, meeting, position, to, now)
            planner.agenda_changed(session, meeting, now)
            news = meeting_domain.news_for(session, meeting)
            return Reply(
                tuple(texts.meetings.agenda_post(meeting, news, self._ctx.tz, updated=False)),
                result=Result(ResultKind.AGENDA_CHANGED, ids={"meeting": meeting.number}),
            )

        return self._ctx.run(work)

    def news(self, actor: Actor, text: str) -> Reply:
        """``nyt <tekst>``: to the channel now, and under the next meeting's "Nyt fra KL"."""

        def work(session: Session, network: Network) -> Reply:
            require_facilitator(session, network, actor.user_id)
            now = self._ctx.now()
            post = meeting_domain.add_news(session, network, text, actor.user_id, now)
            if self._ctx.settings.channel is None:
                raise DomainError(ErrorKind.NO_CHANNEL)
            notices.news_posted(session, post.id, self._ctx.settings.channel, now)
            meeting = session.get(Meeting, post.meeting_id) if post.meeting_id else None
            if meeting is not None:
                session.refresh(meeting)
                planner.agenda_changed(session, meeting, now)
            return Reply(
                (texts.meetings.news_saved(meeting),),
                result=Result(ResultKind.NEWS_SAVED, ids={"news": post.id}),
            )

        return self._ctx.run(work)


def _add_item(session: Session, meeting: Meeting, words: list[str], now: datetime) -> None:
    """``punkt tilføj <møde> "titel" [type=…] [ved=…] [min=…]``."""
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
    meeting_domain.add_item(
        session,
        meeting,
        " ".join(title_words),
        ITEM_KIND_WORDS[kind_word],
        opts.get("ved", ""),
        minutes,
        now,
    )


def _number(value: str, field: str) -> int:
    value = value.strip().lstrip("#")
    number = ascii_number(value, digits=4)
    if number is None:
        raise DomainError(ErrorKind.NUMBER_INVALID, value=value, field=field)
    return number
