"""Polls with one vote per municipality (``afstemning``), played out on the clock on both
engines: the poll in the channel, votes and who is told, the turnout updated in place, the
coordinators' one reminder, the result once with its chart, and the hostile cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.domain.errors import ErrorKind
from bot.replies import Action, Reply, ResultKind
from tests.support.actors import FACILITATOR, named
from tests.support.deliverybot import CHANNEL, MemoryBot, memory_delivery_bot
from tests.support.service import click, done, refused

ANNA = named("Anna Holm")  # Aarhus, fixed seat (coordinator)
BO = named("Bo Ravn")  # Aarhus, flexible seat
CARL = named("Carl Krog")  # Odense, coordinator
DORTE = named("Dorte Lund")  # Vejle, coordinator
EVA = named("Eva Bang")  # no seat
# Friday 4 December 2026 at 12.00 in Copenhagen
CLOSES = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
OPEN = 'afstemning opret "Hvilket tema til efterårsmødet?" "Klimatilpasning" "Affald" "Mobilitet" luk 4/12 12:00'


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[MemoryBot]:
    with memory_delivery_bot(database_url, clock) as bot:
        done(bot.say(ANNA, "tilmeld Aarhus fast"), ResultKind.REGISTERED)
        done(bot.say(BO, "tilmeld Aarhus fleksibel"), ResultKind.REGISTERED)
        done(bot.say(CARL, "tilmeld Odense fast"), ResultKind.REGISTERED)
        done(bot.say(DORTE, "tilmeld Vejle fast"), ResultKind.REGISTERED)
        yield bot


def open_poll(bot: MemoryBot, text: str = OPEN) -> int:
    reply = bot.say(FACILITATOR, text)
    ids = done(reply, ResultKind.POLL_OPENED)
    bot.delivery.drain()
    return int(ids["poll"])


def channel_post(bot: MemoryBot) -> Reply:
    """The poll's post in the channel as it stands now (after updates in place)."""
    found = [m for m in bot.notifier.messages(CHANNEL) if "Afstemning 1:" in m.text]
    assert len(found) == 1, [m.text for m in bot.notifier.messages(CHANNEL)]
    return found[0].reply


def vote(bot: MemoryBot, who: object, position: int, *, action: str = Action.POLL_VOTE) -> Reply:
    """A click on the channel post's button for option ``position`` (1-based)."""
    button = [b for b in channel_post(bot).buttons if b.action_id == Action.POLL_VOTE][position - 1]
    return click(bot.core.service, who, action, button.value)  # type: ignore[arg-type]


def dms(bot: MemoryBot, who: object) -> list[str]:
    return bot.texts(who.user_id)  # type: ignore[attr-defined]


def test_a_poll_from_opening_to_result(bot: MemoryBot) -> None:
    open_poll(bot)
    post = channel_post(bot)
    assert [b.label for b in post.buttons] == ["Klimatilpasning", "Affald", "Mobilitet"]
    assert "0 af 3 kommuner har stemt" in post.text
    assert post.public

    # Anna casts Aarhus' vote; the post's turnout is updated in place, never who voted what.
    done(vote(bot, ANNA, 1), ResultKind.POLL_VOTED, changed=1)
    bot.delivery.drain()
    assert "1 af 3 kommuner har stemt" in channel_post(bot).text
    assert "Aarhus" not in channel_post(bot).text and "Anna" not in channel_post(bot).text
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Afstemning 1:" in m.text]) == 1

    # Bo, a holder of the same municipality, changes it: still one vote, and Anna is told who.
    done(vote(bot, BO, 2), ResultKind.POLL_VOTED, changed=1)
    bot.delivery.drain()
    assert "1 af 3 kommuner har stemt" in channel_post(bot).text
    told = dms(bot, ANNA)
    assert len(told) == 1 and "Bo Ravn" in told[0] and "Affald" in told[0]
    assert dms(bot, BO) == []  # the one who changed it knows

    # Carl (Odense) votes before the reminder; Dorte (Vejle) has not voted 24 hours before.
    done(vote(bot, CARL, 2), ResultKind.POLL_VOTED)
    bot.at(CLOSES - timedelta(days=1, minutes=1))
    assert dms(bot, DORTE) == []
    bot.at(CLOSES - timedelta(days=1))
    reminder = dms(bot, DORTE)
    assert len(reminder) == 1 and "Vejle har ikke stemt" in reminder[0]
    assert dms(bot, CARL) == [] and len(dms(bot, ANNA)) == 1 and dms(bot, BO) == []
    # The reminder carries the buttons: Dorte votes from it.
    reminder_buttons = bot.notifier.sent(DORTE.user_id)[0].reply.buttons
    done(
        click(bot.core.service, DORTE, Action.POLL_VOTE, reminder_buttons[2].value),
        ResultKind.POLL_VOTED,
    )
    bot.at(CLOSES - timedelta(hours=1))
    assert len(dms(bot, DORTE)) == 1  # one reminder, never two

    bot.at(CLOSES)
    results = [m for m in bot.notifier.sent(CHANNEL) if "Resultat af afstemning 1" in m.text]
    assert len(results) == 1
    assert "Klimatilpasning: 0 kommuner" in results[0].text
    assert "Affald: 2 kommuner" in results[0].text
    assert "Mobilitet: 1 kommune" in results[0].text
    assert "3 af 3 kommuner har stemt" in results[0].text
    chart = bot.notifier.shared(CHANNEL)
    assert len(chart) == 1 and chart[0].attachment.content.startswith(b"\x89PNG")
    # The post in the channel loses its buttons at closing.
    assert channel_post(bot).buttons == ()
    assert "lukkede" in channel_post(bot).text
    bot.at(CLOSES + timedelta(days=2))
    assert len([m for m in bot.notifier.sent(CHANNEL) if "Resultat" in m.text]) == 1

    # A vote after closing gets a clear answer.
    late = click(bot.core.service, CARL, Action.POLL_VOTE, reminder_buttons[0].value)
    refused(late, ErrorKind.POLL_CLOSED)
    assert "lukket" in late.text
