"""Property: characters that came from a member never form a Slack token in anything the bot sends.

Hostile values go into every field a member controls: Slack profile names and titles (the
facilitator's too), the registration form's title, fagområder saved before the list existed,
the display name in a mention, and values typed after ``/klimanet`` that answers echo. Then the
real bot (HTTP mode, signed requests, delivery to the fake Web API) runs every command, every
button and every post kind, and every mrkdwn string of every payload it sent is checked: its
``<…>`` tokens are the bot's own mentions of real ids, or a link a facilitator typed.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import OutboxMessage, OutboxStatus, Person
from bot.replies import USER_END, USER_START, as_written
from tests.conftest import START, new_database_url
from tests.support.fake_slack import FakeSlack
from tests.support.slack_driver import (
    state_value_multi_static,
    state_value_plain,
    state_value_radio,
    state_value_static,
)
from tests.support.slackbot import ADMIN, CHANNEL, SlackBot, buttons, running_bot

ANNA, BO, CARL, DORTE, EVA, FRODE = "U0ANNA", "U0BO", "U0CARL", "U0DORTE", "U0EVA", "U0FRODE"
NOPRO = "U0NOPRO"  # not in the workspace's profiles: known only by a mention's display name
MEMBERS = (ANNA, BO, CARL, DORTE, EVA, FRODE)
KNOWN_IDS = {ADMIN, *MEMBERS, NOPRO, CHANNEL}

HOSTILE = "<!channel> <https://evil.example/login|Klik her for at godkende>"
LONG = ((HOSTILE + " ") * 200)[:10_000]
FIXED = (
    HOSTILE,
    "<@U999>",
    "&lt;!here&gt;",
    f"{USER_END}<!channel>{USER_START}<!everyone> {USER_START}",
    LONG,
)

# Links a facilitator types: they speak for KL and must arrive as links.
NEWS_LINK = "https://kl.dk/nyt|læs mere"
ITEM_LINK = "https://kl.dk/affald|affald"
REASON_LINK = "https://kl.dk/regler|reglerne"
FACILITATOR_LINKS = {NEWS_LINK, ITEM_LINK, REASON_LINK}

# 15 January 2027 10:00 Copenhagen (CET) = 09:00 UTC; the posts at 09:00 CET.
CREATE = (
    'møde opret 15.01.2027 10:00-12:00 online "Vintermøde" tema=affald link=https://m.example/1'
)
ANNOUNCE_AT = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
AGENDA_AT = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)
CONFIRM_AT = datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
REMINDER_AT = datetime(2027, 1, 14, 8, 0, tzinfo=UTC)
STARTING_AT = datetime(2027, 1, 15, 8, 45, tzinfo=UTC)
SECOND_ANNOUNCED_AT = datetime(2027, 1, 27, 8, 0, tzinfo=UTC)  # meeting #2, 14 days before
MISSED_AT = datetime(2027, 2, 20, 8, 0, tzinfo=UTC)  # days after meeting #3's announcement

POST_KINDS = {
    "announce",
    "announce_dm",
    "agenda",
    "agenda_update",
    "confirm_dm",
    "reminder",
    "reminder_dm",
    "starting",
    "moved",
    "moved_dm",
    "cancelled",
    "cancelled_dm",
    "news",
    "dead_notice",
    "missed_notice",
    "offer",
    "offer_result",
    "approval",
    "approval_result",
    "regrets_notice",
    "admin_notice",
    "refresh",
}

_values = st.one_of(
    st.sampled_from(FIXED),
    st.text(
        alphabet=st.sampled_from(list("<>&!@#|:/ *_`~aæU9") + [USER_START, USER_END]),
        min_size=1,
        max_size=80,
    ),
)


@dataclass(frozen=True)
class Hostile:
    """What the members (and the facilitator, as a person) control, one value per field."""

    names: tuple[str, ...]  # the facilitator's, then one per member
    titles: tuple[str, ...]
    form_title: str
    theme: str  # a fagområde saved before the network's list existed
    mention: str  # the display name Slack puts in a mention of someone without a profile
    typed: str  # typed after /klimanet and echoed in an answer

    @staticmethod
    def rotation(turn: int) -> Hostile:
        """Every fixed value in every field, over ``len(FIXED)`` turns."""

        def pick(offset: int) -> str:
            return FIXED[(turn + offset) % len(FIXED)]

        people = 1 + len(MEMBERS)
        return Hostile(
            names=tuple(pick(i) for i in range(people)),
            titles=tuple(pick(i + 1) for i in range(people)),
            form_title=pick(2),
            theme=pick(3),
            mention=pick(4),
            typed=pick(0),
        )


hostiles = st.builds(
    Hostile,
    names=st.tuples(*[_values] * (1 + len(MEMBERS))),
    titles=st.tuples(*[_values] * (1 + len(MEMBERS))),
    form_title=_values,
    theme=_values,
    mention=_values,
    typed=_values,
)


def slack_escaped(text: str) -> str:
    """Text as Slack sends it in a slash command (``should_escape: true``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Run:
    bot: SlackBot
    clock: FixedClock
    acks: list[dict[str, Any]] = field(default_factory=list)  # answers in HTTP responses
    kinds: set[str] = field(default_factory=set)

    @property
    def fake(self) -> FakeSlack:
        return self.bot.fake

    def say(self, user_id: str, text: str) -> dict[str, Any]:
        answer = self.bot.command(user_id, text)
        assert answer.ok, answer
        return answer.args

    def drain(self) -> None:
        self.bot.runtime.delivery.drain()

    def at(self, when: datetime) -> None:
        self.clock.advance(when - self.clock.now())
        self.drain()

    def newest_dm(self, user_id: str, needle: str) -> dict[str, Any]:
        found = [m for m in self.fake.messages(user_id) if needle in json.dumps(m)]
        assert found, (user_id, needle)
        return found[-1]

    def click(
        self,
        user_id: str,
        action_id: str,
        message: dict[str, Any] | None,
        *,
        value: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        return self.bot.click(
            user_id, action_id, message, f"D{user_id}", value=value, **kwargs
        ).args


def play(run: Run, hostile: Hostile) -> None:
    """Every command, button, form and post kind, with the hostile values in place."""
    typed = slack_escaped(hostile.typed)
    # A display name is one word of at most 80 characters (and the command's text drops
    # control and private-use characters before it reads the mention).
    mention = slack_escaped(as_written(hostile.mention).replace(" ", "")[:80])

    # Registrations wait for approval: the facilitator approves Aarhus' first, the coordinator
    # the next; Odense's is rejected.
    run.say(ANNA, "tilmeld Aarhus")
    run.drain()
    run.click(ADMIN, "request_approve", run.newest_dm(ADMIN, "request_approve"))
    for member in (BO, CARL):
        run.say(member, "tilmeld Aarhus")
        run.drain()
        run.click(ANNA, "request_approve", run.newest_dm(ANNA, "request_approve"))
    run.say(DORTE, "tilmeld Odense")
    run.drain()
    run.click(ADMIN, "request_reject", run.newest_dm(ADMIN, "request_approve"))
    run.drain()
    run.say(DORTE, "tilmeld Aarhus")  # full: the answer names the three holders and titles

    # The form: a forged fagområde, then the hostile title.
    run.bot.driver.command(FRODE, "tilmeld")
    view = run.fake.wait_for("views.open")[0].args["view"]
    values = {
        "municipality": {"value": state_value_static("615", "Horsens")},
        "kind": {"value": state_value_radio("auto", "Den der er ledig (fast først)")},
        "title": {"value": state_value_plain(hostile.form_title)},
        "themes": {"value": state_value_multi_static([(hostile.theme, "x")])},
    }
    run.acks.append(run.bot.driver.view_submission(FRODE, view, values).json())
    values["themes"] = {"value": state_value_multi_static([("Affald", "Affald")])}
    run.acks.append(run.bot.driver.view_submission(FRODE, view, values).json())
    run.drain()

    # Reading, and typed values echoed in answers (as Slack sends them; raw where no mention
    # can be read, as a forged request would send them).
    for user_id, text in (
        (ANNA, "pladser"),
        (EVA, "pladser Aarhus"),
        (EVA, "kommuner"),
        (EVA, "hjælp"),
        (EVA, "møder"),
        (EVA, typed),
        (EVA, hostile.typed),
        (EVA, f"pladser {typed}"),
        (EVA, f"pladser {hostile.typed}"),
        (EVA, f"tilmeld Aarhus {typed}"),
        (EVA, f"historik {typed}"),
        (EVA, f"dagsorden {typed}"),
        (EVA, f"deltager {hostile.typed}"),
        (ANNA, f"overdrag @{typed.replace(' ', '')}"),
        (ANNA, f"vikar {typed}"),
        (ANNA, f"overdrag <@{ANNA}|{mention}>"),
    ):
        run.say(user_id, text)

    # A meeting, its agenda with a facilitator's link, news with one.
    run.say(ADMIN, CREATE)
    run.say(ADMIN, f'punkt tilføj 1 "Oplæg om <{ITEM_LINK}>" type=eksternt ved="Anna" min=20')
    run.say(ADMIN, f'punkt tilføj 1 "x" type={typed}')
    run.say(ADMIN, f"møde flyt {typed} 16.01.2027 10:00-12:00")

    # Offers: a handover accepted, a swap declined, one to a person without a profile withdrawn.
    run.say(ANNA, f"overdrag <@{EVA}|eva>")
    run.drain()
    run.click(EVA, "offer_accept", run.newest_dm(EVA, "offer_accept"))
    run.say(BO, f"byt <@{EVA}|eva>")
    run.drain()
    run.click(EVA, "offer_decline", run.newest_dm(EVA, "offer_decline"))
    sent = run.say(CARL, f"overdrag <@{NOPRO}|{mention}>")
    run.click(CARL, "offer_withdraw", None, value=buttons(sent)["offer_withdraw"])
    run.say(CARL, "fortryd")
    run.say(EVA, f"overdrag <@{BO}|bo>")  # Bo has a seat: the answer names him
    run.say(EVA, f"byt <@{DORTE}|dorte>")  # not in Aarhus: the answer names her
    run.drain()

    # Anna has left her seat; her fagområder were saved before the list existed.
    with run.bot.runtime.core.sessions() as session:
        anna = session.scalars(select(Person).where(Person.account == ANNA)).one()
        anna.themes = [hostile.theme, "Affald"]
        session.commit()

    # The announcement: Carl cannot come, and the coordinator (Eva now) picks the colleague
    # without a profile for his seat (a seat whose holder comes has no picker).
    run.say(CARL, "afbud 1")
    run.at(ANNOUNCE_AT)
    announce = run.newest_dm(EVA, "pick_substitute")
    block_id = next(
        b["block_id"] for b in announce["blocks"] if b.get("block_id", "").endswith(":2")
    )
    run.click(
        EVA,
        "pick_substitute",
        announce,
        block_id=block_id,
        action_type="users_select",
        selected_user=NOPRO,
    )
    run.drain()
    run.click(NOPRO, "offer_accept", run.newest_dm(NOPRO, "offer_accept"))
    run.drain()
    run.say(BO, "afbud 1")
    run.drain()
    run.say(BO, "deltager 1")
    run.at(AGENDA_AT)
    run.say(ADMIN, 'punkt tilføj 1 "Drøftelse" type=drøftelse')
    run.say(ADMIN, f"nyt Ny vejledning: <{NEWS_LINK}>")
    run.drain()
    run.at(CONFIRM_AT)
    # The substitute said yes to the offer and is not asked again; they send regrets instead.
    run.say(NOPRO, "afbud 1")
    run.click(EVA, "attend_yes", run.newest_dm(EVA, "attend_yes"))
    run.drain()
    run.say(EVA, f"afbud 1 <@{ANNA}|anna>")  # regrets, naming a substitute
    run.say(EVA, f"vikar 1 <@{FRODE}|frode> fleksibel 2")
    run.drain()
    run.say(EVA, "deltagere 1")
    run.say(ANNA, "dagsorden 1")
    run.say(ADMIN, "punkt flyt 1 3 2")
    run.say(ADMIN, "punkt fjern 1 3")
    run.bot.driver.command(ADMIN, "møde ret 1")
    run.fake.wait_for("views.open", count=2)
    run.say(ADMIN, f"admin plads Aarhus fleksibel 1 <@{DORTE}|dorte> Se <{REASON_LINK}>")
    run.drain()
    run.say(ANNA, "historik Aarhus")
    run.say(EVA, "kalender 1")
    run.at(REMINDER_AT)
    run.at(STARTING_AT)

    # A meeting moved and cancelled; a post Slack refuses; a post missed while down.
    run.say(ADMIN, 'møde opret 10.02.2027 10:00-12:00 fysisk "Forårsmøde" sted="Weidekampsgade 10"')
    run.at(SECOND_ANNOUNCED_AT)  # a move or cancellation reaches only those told of the meeting
    run.say(ADMIN, "møde flyt 2 11.02.2027 10:00-12:00")
    run.drain()
    run.say(ADMIN, "møde aflys 2 bekræft For få tilmeldte")
    run.drain()
    run.fake.fail_next("chat.postMessage", "channel_not_found")
    run.say(ADMIN, "nyt Kort nyt")
    run.drain()
    run.drain()  # the facilitators' notice about the post that could not be delivered
    run.say(ADMIN, 'møde opret 01.03.2027 10:00-12:00 online "Marts" link=https://m.example/1')
    run.at(MISSED_AT)

    # Giving a seat up, the App Home, and the buttons still on old messages.
    ask = run.say(DORTE, "afmeld")
    run.click(DORTE, "release_cancel", None, value=buttons(ask)["release_cancel"])
    run.click(DORTE, "release_confirm", None, value=buttons(ask)["release_confirm"])
    for user_id in (EVA, ANNA):
        home = {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": "home"}
        assert run.bot.driver.event(home).status_code == 200
    run.fake.wait_for("views.publish", count=2)
    run.say(ADMIN, "møde kopier 1 22.04.2027")
    run.drain()


# -- the check ------------------------------------------------------------------------------------

TOKEN = re.compile(r"<([^<>]*)>")


def mrkdwn_strings(payload: Any, top: bool = True) -> Iterator[str]:
    """A message's top-level ``text`` and every mrkdwn text object in it, at any depth."""
    if isinstance(payload, dict):
        if top and isinstance(payload.get("text"), str):
            yield payload["text"]
        if payload.get("type") == "mrkdwn" and isinstance(payload.get("text"), str):
            yield payload["text"]
        for value in payload.values():
            yield from mrkdwn_strings(value, top=False)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_strings(value, top=False)


def payloads(run: Run) -> list[dict[str, Any]]:
    sent = [
        call.args
        for method in ("chat.postMessage", "chat.update", "response_url")
        for call in run.fake.calls(method)
    ]
    views = [
        call.args["view"]
        for method in ("views.open", "views.publish", "views.update", "views.push")
        for call in run.fake.calls(method)
    ]
    return sent + views + run.acks


def check(run: Run, hostile: Hostile) -> None:
    strings = [s for payload in payloads(run) for s in mrkdwn_strings(payload)]
    assert len(strings) > 100
    for text in strings:
        assert "<!" not in text, text
        assert "<@U999" not in text, text
        assert "Noget gik galt" not in text, text  # nothing crashed on the way
        for token in TOKEN.findall(text):
            bot_mention = re.fullmatch(r"[@#]([A-Z0-9]+)", token)
            assert (bot_mention and bot_mention.group(1) in KNOWN_IDS) or (
                token in FACILITATOR_LINKS
            ), (token, text)
    # The facilitator's links arrived as links.
    joined = "\n".join(strings)
    for link in FACILITATOR_LINKS:
        assert f"<{link}>" in joined, link
    # The hostile values were really shown (escaped), e.g. the first member's name.
    shown = slack_escaped(as_written(hostile.names[1]))[:40]
    assert shown in joined, shown
    # Every post kind went out.
    with run.bot.runtime.core.sessions() as session:
        sent = set(
            session.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.status == OutboxStatus.SENT.value)
            )
        )
    assert sent >= POST_KINDS, POST_KINDS - sent


@contextmanager
def fresh_bot(
    kind: str, request: pytest.FixtureRequest, tmp_root: Path, hostile: Hostile
) -> Iterator[Run]:
    tmp = Path(tempfile.mkdtemp(dir=tmp_root))
    with contextmanager(new_database_url)(kind, request, tmp) as url, FakeSlack() as fake:
        for user_id, name, title in zip(
            (ADMIN, *MEMBERS), hostile.names, hostile.titles, strict=True
        ):
            fake.add_user(user_id, name, title)
        clock = FixedClock(START)
        with running_bot(url, fake, clock, registration="approval") as bot:
            bot.runtime.delivery._pacer.interval = 0.0
            yield Run(bot, clock)
        fake.assert_no_invalid_payloads()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@given(hostile=hostiles)
@example(hostile=Hostile.rotation(0))
@example(hostile=Hostile.rotation(1))
@example(hostile=Hostile.rotation(2))
@example(hostile=Hostile.rotation(3))
@example(hostile=Hostile.rotation(4))
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_member_text_never_becomes_a_link_mention_or_broadcast(
    kind: str, hostile: Hostile, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with fresh_bot(kind, request, tmp_path, hostile) as run:
        play(run, hostile)
        check(run, hostile)
