"""The neutral vocabulary through every renderer: every reply kind and every post kind of a season
(the season of ``tests/test_substitutes.py``) rendered for Slack, the console and the memory
notifier leaves no Slack syntax where it does not belong and no marker anywhere."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.municipalities import default_directory
from bot.domain.registration import Actor
from bot.markup import (
    ATOM_END,
    BOLD_START,
    ICON_START,
    ITALIC_END,
    MARKERS,
    Icon,
    PlatformWord,
    bold,
    icon,
    italic,
    link,
    mention,
    word,
)
from bot.models import Person, Seat, SeatKind
from bot.ports import Profile
from bot.posts.kinds import PostKind
from bot.posts.outbox import Claimed
from bot.posts.rendering import Rendered
from bot.replies import (
    Home,
    HomeHeader,
    HomeList,
    HomePicture,
    HomeSection,
    Reply,
    ResultKind,
    as_written,
    user_text,
)
from bot.service.context import ServiceSettings
from bot.service.klimanet import Klimanet
from handlers.console.rendering import render as console_render
from handlers.console.rendering import terminal_text
from handlers.slack.blocks import fallback_text, home_view, mrkdwn, plain_text, reply_blocks
from handlers.teams.cards import teams_markdown, teams_plain
from jobs.delivery import Delivery, DeliveryConfig
from tests.support.actors import FACILITATOR, named
from tests.support.actors import mention as mention_of
from tests.support.memory_notifier import Message
from tests.support.service import network_id, new_service
from tests.test_substitutes import CARL, DORTE, Recorder, _season


@pytest.fixture
def season(
    sessions: SessionFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Reply], dict[str, list[Reply]], list[Home]]:
    """Every reply the service gave and every post delivered over a season, and App Homes."""
    answers: list[Reply] = []
    homes: list[Home] = []

    def recording(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Klimanet, *args: Any, **kwargs: Any) -> Any:
            outcome = original(self, *args, **kwargs)
            if isinstance(outcome, Reply):
                answers.append(outcome)
            elif isinstance(outcome, Home):
                homes.append(outcome)
            return outcome

        return call

    for name in ("command", "click", "submit_registration_form", "submit_meeting_form", "home"):
        monkeypatch.setattr(Klimanet, name, recording(getattr(Klimanet, name)))
    posts: dict[str, list[Reply]] = {}

    def on_sent(row: Claimed, rendered: Rendered) -> None:
        posts.setdefault(row.kind, []).append(rendered.reply)

    delivery = Delivery(
        sessions, Recorder(), clock, ZoneInfo("Europe/Copenhagen"), network_id=network_id(sessions),
        config=DeliveryConfig(workers=1, per_channel_interval=0), on_sent=on_sent,
    )  # fmt: skip
    try:
        for _ in _season(sessions, clock, delivery, {}):
            pass
        _tour(sessions, clock)
        delivery.drain()  # the posts the tour planned (the departure notice among them)
    finally:
        delivery.close()
    return answers, posts, homes


HANNE, IB, JENS = (named(n) for n in ("Hanne <Holm> & Co", "Ib *Fed*", "Jens :x: Juul"))
STRANGER = named("Kim Udenfor")
PROFILE_OF = {a.user_id: Profile(a.name) for a in (HANNE, IB, JENS, STRANGER)}


def _tour(sessions: SessionFactory, clock: FixedClock) -> None:
    """The answers a season does not give: the rest of the commands, in a second municipality."""
    service = new_service(sessions, clock, profiles=PROFILE_OF.get)
    step = iter(itertools.count())

    def answer(actor: Actor, text: str) -> Reply:
        next(step)
        outcome = service.command(actor, text)
        assert isinstance(outcome, Reply), text
        return outcome

    def press(actor: Actor, reply: Reply, action: str) -> Reply:
        (button,) = [b for b in reply.buttons if b.action_id == action][:1]
        return service.click(actor, button.action_id, button.value)

    for actor in (HANNE, IB, JENS):
        answer(actor, "tilmeld Vejle")
    for text in ("hjælp", "kommuner", "pladser", "fagområder", "fagområder affald", "møder"):
        answer(HANNE, text)
    for text in ("dagsorden", "kalender", "historik Vejle", "afventer", "privatliv", "mine-data"):
        answer(HANNE, text)
    answer(HANNE, "ukendt-ord")
    service.click(HANNE, "nonsense", "1")
    answer(STRANGER, "mine-data")
    asked = answer(JENS, "afmeld")
    press(JENS, asked, "release_cancel")
    press(JENS, answer(JENS, "afmeld"), "release_confirm")
    erase = answer(IB, "slet-mig")
    press(IB, erase, "erase_cancel")
    offered = answer(IB, f"overdrag {mention_of(JENS)}")
    press(IB, offered, "offer_withdraw")
    answer(IB, f"overdrag {mention_of(JENS)}")
    answer(IB, "fortryd")
    for text in ("overblik", "overblik deltagelse", "overblik temaer", "eksport medlemmer"):
        answer(FACILITATOR, text)
    weekend = answer(
        FACILITATOR, 'møde opret 06.03.2027 10:00-12:00 online "Lørdag" link=https://m.example/2'
    )
    press(FACILITATOR, weekend, "meeting_drop")
    created = answer(FACILITATOR, 'møde opret 10.03.2027 10:00-12:00 online "Marts"')
    number = created.result.ids["meeting"] if created.result else 0
    answer(FACILITATOR, f"møde send {number}")
    answer(FACILITATOR, f"møde ret {number} link=https://m.example/3")
    press(FACILITATOR, answer(FACILITATOR, f"møde aflys {number}"), "meeting_keep")
    answer(HANNE, f"deltager {number}")
    answer(HANNE, f"deltagere {number}")
    answer(STRANGER, "afmeld")  # refused: no seat
    answer(HANNE, f"afbud {number}")
    answer(IB, f"afbud {number}")
    answer(HANNE, f"vikar {number} {mention_of(JENS)}")  # which seat?
    answer(FACILITATOR, "admin plads Vejle fleksibel 1 ledig Rettelse")
    service.home(HANNE)
    service.home(FACILITATOR)
    service.click(FACILITATOR, "see_all", HomeList.DELIVERIES)
    # Aarhus lost its coordinator at the season's end: Carl takes the fixed seat.
    with sessions() as session:
        fixed = session.scalars(
            select(Seat.id).where(Seat.municipality_code == 751, Seat.kind == SeatKind.FIXED)
        ).one()
    service.click(CARL, "take_fixed_seat", str(fixed))
    _between_meetings(sessions, clock, answer, service.click)
    # A seat holder left the network's place (Teams: removed from its team): the facilitators
    # are asked; one frees the seat, and a second press finds nothing left to free.
    assert service.member_departed(HANNE)
    with sessions() as session:
        hanne = session.scalars(select(Person.id).where(Person.account == HANNE.user_id)).one()
    service.click(FACILITATOR, "departed_release", str(hanne))
    service.click(FACILITATOR, "departed_release", str(hanne))


def _between_meetings(
    sessions: SessionFactory,
    clock: FixedClock,
    answer: Callable[[Actor, str], Reply],
    service_click: Callable[[Actor, str, str], object],
) -> None:
    """Polls, the loop after meeting #1 (held on 14 January), and calendar feeds."""
    answer(FACILITATOR, "afstemninger")
    opened = answer(FACILITATOR, 'afstemning opret "Tema?" "Affald" "Energi" luk 20.03.2027 12:00')
    poll = opened.result.ids["number"] if opened.result else 0
    answer(FACILITATOR, f"afstemning forlæng {poll} 27.03.2027 12:00")
    answer(FACILITATOR, f"afstemning luk {poll}")
    listed = answer(FACILITATOR, "fremmøde 1")
    toggles = [b for b in listed.buttons if b.action_id == "presence_toggle"]
    assert toggles, listed.text
    service_click(FACILITATOR, toggles[0].action_id, toggles[0].value)
    answer(FACILITATOR, "fremmøde 1 1")
    answer(FACILITATOR, "fremmøde 1 bekræft")
    answer(DORTE, "feedback 1 4 Godt oplæg")
    # The comment form's button where a platform has no form: the command (FORM_AS_COMMAND).
    service_click(DORTE, "feedback_form", toggles[0].value.split(":")[0])
    answer(FACILITATOR, "feedback 1")
    answer(HANNE, "kalender abonner")  # no public URL: what the operator must set
    settings = ServiceSettings(
        channel="C0NET", public_url="https://klimanet.example", serves_http=True
    )
    feeds = Klimanet(
        sessions, default_directory(), clock, profiles=PROFILE_OF.get, settings=settings
    )
    for text in ("kalender abonner", "kalender abonner", "kalender nulstil"):
        outcome = feeds.command(HANNE, text)
        assert isinstance(outcome, Reply), text


Season = tuple[list[Reply], dict[str, list[Reply]], list[Home]]
SLACK_SYNTAX = re.compile(r"<[@#!]|:[a-z_]+:")
# Names the members chose: shown as written on the console, so left out of its check.
CHOSEN = [a.name for a in (HANNE, IB, JENS)]
# Slack's light markup written by hand (*bold*, _italic_): the texts use bold() and italic(), so
# none may be left in what a renderer without Slack mrkdwn shows. (A facilitator's own text,
# news and agenda, is typed in Slack markup and shown as written; the season has none with it.)
HAND_BOLD = re.compile(r"(?<![\w*\\])\*[^*\s][^*\n]*\*(?![\w*])")
HAND_ITALIC = re.compile(r"(?<![\w\\])_[^_\s][^_\n]*_(?!\w)")


def _hand_markup(text: str) -> list[str]:
    text = _without_chosen(text)
    return [m.group() for m in (*HAND_BOLD.finditer(text), *HAND_ITALIC.finditer(text))]


def _every_reply(season: Season) -> list[Reply]:
    answers, posts, _ = season
    return answers + [reply for replies in posts.values() for reply in replies]


def _home_text(home: Home) -> list[str]:
    found: list[str] = []
    for part in home.parts:
        if isinstance(part, HomeHeader):
            found.append(part.text)
        elif isinstance(part, HomeSection):
            found.extend([part.text, part.context or "", *(b.label for b in part.buttons)])
        elif isinstance(part, HomePicture):
            found.extend([part.title, part.alt_text])
    return found


def _without_chosen(text: str) -> str:
    for name in CHOSEN:
        text = text.replace(name, "")
    return text


def test_every_reply_and_post_kind_through_every_renderer(season: Season) -> None:
    """One season (it takes a while), read by every renderer."""
    _every_kind_is_there(season)
    _slack_gets_mrkdwn_emoji_codes_and_mentions_and_never_a_marker(season)
    for reader in ("console", "memory"):
        _console_and_memory_show_plain_text_without_slack_syntax(season, reader)
    _teams_gets_markdown_without_a_marker_or_slack_syntax(season)


def _every_kind_is_there(season: Season) -> None:
    answers, posts, homes = season
    kinds = {a.result.kind for a in answers if a.result} | {h.result.kind for h in homes}
    assert kinds == set(ResultKind), set(ResultKind) - kinds
    # FANOUT stands for direct messages until it is due; HOME is published, not posted.
    assert {k.value for k in PostKind} - {PostKind.FANOUT, PostKind.HOME} <= set(posts)


_PLAIN_TEXT = re.compile(
    r'\{(?:"emoji": (?:true|false), )?"text": "(?:[^"\\]|\\.)*", "type": "plain_text"\}'
)


def _slack_gets_mrkdwn_emoji_codes_and_mentions_and_never_a_marker(season: Season) -> None:
    replies = _every_reply(season)
    payloads = [
        json.dumps([b.to_dict() for b in reply_blocks(r)], ensure_ascii=False) for r in replies
    ]
    payloads += [fallback_text(r) for r in replies]
    payloads += [json.dumps(home_view(h).to_dict(), ensure_ascii=False) for h in season[2]]
    for payload in payloads:
        assert not set(payload) & set(MARKERS), payload
    everything = "\n".join(payloads)
    # Slack shows plain_text (button labels) exactly as written: only mrkdwn must be escaped.
    marked_up = _PLAIN_TEXT.sub("", everything)
    assert "Hanne &lt;Holm&gt; &amp; Co" in marked_up and "<Holm>" not in marked_up
    for code in (":white_check_mark:", ":warning:", ":calendar:", ":telephone_receiver:"):
        assert code in everything, code
    assert re.search(r"<@U[A-Z0-9]+>", everything)  # a news item's author


def _console_and_memory_show_plain_text_without_slack_syntax(season: Season, reader: str) -> None:
    def read(reply: Reply) -> str:
        if reader == "console":
            return console_render(reply)
        return Message("C0NET", "1", reply, None, None).text

    shown = [read(r) for r in _every_reply(season)]
    shown += [
        terminal_text(t) if reader == "console" else as_written(t)
        for h in season[2]
        for t in _home_text(h)
    ]
    for text in shown:
        assert not set(text) & set(MARKERS), text
        assert not SLACK_SYNTAX.search(_without_chosen(text)), text
        assert "Slack" not in text, text
        assert not _hand_markup(text), text
    everything = "\n".join(shown)
    assert "✔" in everything and "⚠" in everything and "📅" in everything
    # The names members chose are shown exactly as written.
    assert all(name in everything for name in CHOSEN)
    (attendance,) = [
        a for a in season[0] if a.result and a.result.kind is ResultKind.OVERVIEW_ATTENDANCE
    ]
    if reader == "console":
        assert "📞 Ring til" in read(attendance)


def test_the_platform_is_named_by_each_renderer() -> None:
    marked = f"Fra din {word(PlatformWord.PROFILE)}: dit {word(PlatformWord.ACCOUNT_ID)}."
    assert mrkdwn(marked) == "Fra din Slack-profil: dit Slack-id."
    assert terminal_text(marked) == "Fra din konsol-profil: dit konsol-id."
    assert as_written(marked) == "Fra din chatprofil: dit chat-id."


def test_nesting_keeps_member_text_data_and_marks_cannot_be_forged() -> None:
    forged = f"Bo{BOLD_START}{ICON_START}x{ATOM_END}<@U1>"
    emphasis = italic(user_text("*a*"))
    marked = (
        f"{icon(Icon.OFFER)} {bold(f'{user_text(forged)} og {emphasis}')} "
        f"{mention('U2', forged)} {link('https://kl.dk', 'KL')}"
    )
    assert mrkdwn(marked) == (":handshake: *Box&lt;@U1&gt; og _*a*_* <@U2> <https://kl.dk|KL>")
    assert terminal_text(marked) == "🤝 Box<@U1> og *a* Box<@U1> KL (https://kl.dk)"
    assert plain_text(marked) == ":handshake: Box<@U1> og *a* Box<@U1> KL (https://kl.dk)"
    # Unclosed marks close at the end; stray ends and unknown icons are dropped.
    assert mrkdwn(f"{BOLD_START}a{ITALIC_END}{ICON_START}nope{ATOM_END}") == "*a*"


def _teams_gets_markdown_without_a_marker_or_slack_syntax(season: Season) -> None:
    replies = _every_reply(season)
    shown = [teams_markdown(marked) for reply in replies for marked in reply.sections]
    titles = [teams_plain(b.label) for reply in replies for b in reply.buttons]
    for text in shown:
        assert not set(text) & set(MARKERS), text
        assert not SLACK_SYNTAX.search(_without_chosen(text)), text
        assert "Slack" not in text, text
        # Teams bolds with **x** (and italic is _x_ there too): a single *x* is hand markup.
        assert not HAND_BOLD.search(_without_chosen(text).replace("**", "")), text
    for title in titles:
        assert not set(title) & set(MARKERS), title
    everything = "\n".join(shown)
    assert "✔" in everything and "📅" in everything and "Teams-profil" in everything
    assert "**" in everything and "**Vejle Kommune**" in everything, "bold() reaches Teams"
    # Member text is escaped for Teams Markdown: the angle brackets never reach it raw.
    assert "Hanne &lt;Holm&gt; &amp; Co" in everything and "<Holm>" not in everything
