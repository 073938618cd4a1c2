"""Mentions are neutral in the core: each adapter turns its own mention into a ``bot.mentions``
mark before the service sees the words, and any id shape (a Slack id, the console's own, a GUID,
a 200-character id) works as the person mentioned."""

from __future__ import annotations

import io

import pytest

from bot.clock import FixedClock
from bot.db import SessionFactory
from bot.domain.errors import ErrorKind
from bot.domain.registration import Actor
from bot.mentions import Mention, as_typed, is_account, mark, read, unmarked
from bot.replies import Action, ResultKind
from bot.service.parsing import Unresolved, mentions, tokens
from handlers.console.console import Console
from handlers.console.people import CONSOLE_TEAM, ConsoleProfiles, ConsoleUser
from handlers.slack.text import decode_command_text
from tests.support.seats import AARHUS, holder
from tests.support.service import click, done, new_service, refused, say

GUID = "8f0c3c1e-5b7a-4d3e-9c1a-2b6f0e9d4a11"  # an Entra object id
LONG = "29:" + "x1" * 98 + "y"  # 200 characters, as Teams' ids can be
IDS = ["U0CARL", "konsol:carl", "29:1aB-cD_9", GUID, LONG]


@pytest.mark.parametrize("account", [*IDS, "a" * 255])
def test_any_account_survives_a_mark(account: str) -> None:
    mention = Mention(account, "@Carl  Nielsen", "Carl Nielsen")
    word = mark(mention)
    assert tokens(f"overdrag {word} fast") == ["overdrag", word, "fast"]  # one word
    assert read(word) == Mention(account, "@Carl Nielsen", "Carl Nielsen")
    assert as_typed(f"nyt Hej {word}!") == "nyt Hej @Carl Nielsen!"


@pytest.mark.parametrize("account", ["", "two words", "a" * 256, "tab\there"])
def test_an_account_is_one_word_of_at_most_255_characters(account: str) -> None:
    assert not is_account(account)
    with pytest.raises(ValueError, match="not an account"):
        mark(Mention(account, "@x"))


def test_a_mark_in_what_was_typed_is_removed() -> None:
    forged = mark(Mention("U0BOSS", "@boss"))
    assert unmarked(f"overdrag {forged}") == "overdrag U0BOSS@boss"
    assert mentions(tokens(unmarked(f"overdrag {forged}")))[0] == []


# -- the adapters -------------------------------------------------------------------------------


def test_slack_hands_over_a_neutral_mention() -> None:
    found, rest = mentions(tokens(decode_command_text("overdrag <@U0CARL|carl> fast")))
    assert found == [Mention("U0CARL", "<@U0CARL|carl>", "carl")] and rest == ["overdrag", "fast"]
    # A channel, a broadcast and plain text name nobody.
    for sent in ("overdrag <#C0NET|klima>", "overdrag <!here>", "overdrag &lt;@U0CARL&gt;"):
        found, _ = mentions(tokens(decode_command_text(sent)))
        assert not any(isinstance(f, Mention) for f in found), sent


def test_the_console_hands_over_a_neutral_mention() -> None:
    profiles = ConsoleProfiles()
    profiles.learn("konsol:bo-hansen", "Bo Hansen")
    profiles.learn(GUID, "Carl Nielsen")
    line = profiles.mentions(f"overdrag @Bo @Carl @{GUID} @U456 @nogen fast")
    found, rest = mentions(tokens(line))
    assert found == [
        Mention("konsol:bo-hansen", "@Bo", "Bo Hansen"),
        Mention(GUID, "@Carl", "Carl Nielsen"),
        Mention(GUID, f"@{GUID}", "Carl Nielsen"),
        Mention("U456", "@U456", "Kollega U456"),  # an id nobody named yet
        Unresolved("@nogen"),
    ]
    assert rest == ["overdrag", "fast"]
    # A mention ends before the punctuation after it.
    assert (
        profiles.mentions("@Bo, hej")
        == mark(Mention("konsol:bo-hansen", "@Bo", "Bo Hansen")) + ", hej"
    )


def run_console(service: object, profiles: ConsoleProfiles, *lines: str) -> tuple[Console, str]:
    stdout = io.StringIO()
    console = Console(
        service,  # type: ignore[arg-type]
        ConsoleUser("konsol:lokal", "Lokal bruger"),
        io.StringIO("\n".join(lines) + "\n"),
        stdout,
        profiles=profiles,
    )
    console.run()
    return console, stdout.getvalue()


class Recording:
    """A service that only records the text each command reached it with."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def command(self, actor: Actor, text: str) -> object:
        from bot.replies import Reply, Result

        self.texts.append(text)
        return Reply(("ok",), result=Result(ResultKind.HELP))


def test_the_console_switches_user_by_name_or_by_id() -> None:
    service, profiles = Recording(), ConsoleProfiles()
    console, out = run_console(
        service, profiles, "/som Bo Hansen", "/som U456 Carl", "/som Bo", "overdrag @Carl fast"
    )
    assert "Du er nu Bo Hansen (konsol:bo-hansen)." in out
    assert "Du er nu Carl (U456)." in out
    assert console.actor() == Actor(
        CONSOLE_TEAM, "konsol:bo-hansen", "Bo Hansen", platform="console"
    )
    found, rest = mentions(tokens(service.texts[-1].removeprefix("overdrag ")))
    assert found == [Mention("U456", "@Carl", "Carl")] and rest == ["fast"]


# -- another id shape as the person mentioned, through the console's people and the service -----


@pytest.mark.parametrize("target", IDS)
def test_an_id_of_any_shape_takes_a_seat_by_mention(
    sessions: SessionFactory, clock: FixedClock, target: str
) -> None:
    profiles = ConsoleProfiles()
    service = new_service(sessions, clock, profiles=profiles)
    anna = Actor(CONSOLE_TEAM, "konsol:anna", "Anna Jensen")
    profiles.learn(anna.user_id, anna.name)
    profiles.learn(target, "Carl Nielsen")
    done(say(service, anna, "tilmeld Aarhus"), ResultKind.REGISTERED)

    refused(say(service, anna, profiles.mentions("overdrag @nogen")), ErrorKind.MENTION_UNRESOLVED)
    by_name = done(say(service, anna, profiles.mentions("overdrag @Carl")), ResultKind.OFFER_SENT)
    carl = Actor(CONSOLE_TEAM, target, "Carl Nielsen")
    done(click(service, carl, Action.OFFER_ACCEPT, by_name["offer"]), ResultKind.OFFER_ACCEPTED)
    assert holder(sessions, AARHUS, "fixed", 1) == target

    # And back, mentioned by id.
    back = done(
        say(service, carl, profiles.mentions(f"overdrag @{anna.user_id}")), ResultKind.OFFER_SENT
    )
    done(click(service, anna, Action.OFFER_ACCEPT, back["offer"]), ResultKind.OFFER_ACCEPTED)
    assert holder(sessions, AARHUS, "fixed", 1) == anna.user_id
