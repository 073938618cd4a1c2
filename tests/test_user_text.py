"""Text from members is data, never markup: the marking in the neutral reply, the Slack and
console renderers that show it as written, and Slack's inbound escaping read back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Holder
from bot.domain.seats.history import HistoryLine
from bot.markup import Icon, bold, icon, mention
from bot.mentions import MARKS, Mention, as_typed, mark
from bot.mentions import read as read_mention
from bot.models import SeatKind
from bot.replies import (
    USER_END,
    USER_START,
    Button,
    FormErrors,
    RegistrationField,
    Reply,
    UserPick,
    as_written,
    spans,
    user_text,
)
from bot.service.parsing import mentions, tokens
from handlers.console import render
from handlers.slack.blocks import (
    fallback_text,
    mrkdwn,
    plain_text,
    reply_blocks,
    reply_message,
)
from handlers.slack.text import decode_command_text

HOSTILE = "<!channel> <https://evil.example/login|Klik her for at godkende>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example/login|Klik her for at godkende&gt;"

# Anything a person could type or put in a profile, markers and Slack's syntax included.
texts_with_syntax = st.text(
    alphabet=st.sampled_from(list("<>&!@#|:/*_`~ aåU9\n") + [USER_START, USER_END]), max_size=60
) | st.text(max_size=60)


# -- the marking ---------------------------------------------------------------------------------


def test_user_text_marks_a_span_that_cannot_be_forged_or_closed() -> None:
    marked = user_text(f"Anna{USER_END}<!channel>{USER_START}")
    assert marked == f"{USER_START}Anna<!channel>{USER_END}"
    assert user_text("") == ""
    assert user_text(42) == f"{USER_START}42{USER_END}"
    text = f"*{user_text('<@U1>')}* har <@U2>"
    assert list(spans(text)) == [(False, "*"), (True, "<@U1>"), (False, "* har <@U2>")]
    assert as_written(text) == "*<@U1>* har <@U2>"


def test_spans_escape_too_much_rather_than_too_little() -> None:
    # A span cut off (an unclosed start) runs to the end; a stray end marker is dropped.
    assert list(spans(f"a{USER_START}<!here>")) == [(False, "a"), (True, "<!here>")]
    assert list(spans(f"<x>{USER_END}b")) == [(False, "<x>b")]
    assert list(spans("")) == []


@given(before=st.text(), value=texts_with_syntax, after=st.text())
def test_spans_give_back_exactly_the_user_text(before: str, value: str, after: str) -> None:
    before, after = as_written(before), as_written(after)
    pieces = list(spans(before + user_text(value) + after))
    written = as_written(value)
    assert "".join(p for _, p in pieces) == before + written + after
    assert [p for is_user, p in pieces if is_user] == ([written] if written else [])


def test_reply_text_is_as_written_and_form_errors_are_plain() -> None:
    reply = Reply((f"Hej {user_text(HOSTILE)}",), context=user_text("&"))
    assert reply.text == f"Hej {HOSTILE}\n\n&"
    assert USER_START in reply.marked_text
    errors = FormErrors({RegistrationField.THEMES: f"'{user_text('<x>')}' nej"})
    assert errors.errors == {RegistrationField.THEMES: "'<x>' nej"}


def test_texts_mark_what_members_and_profiles_supplied() -> None:
    holder = Holder("U1", HOSTILE, "Klima & <miljø>")
    assert list(spans(texts.common.holder_text(holder))) == [
        (True, HOSTILE),
        (False, " ("),
        (True, "Klima & <miljø>"),
        (False, ")"),
    ]
    unknown = texts.errors.error(DomainError(ErrorKind.MUNICIPALITY_UNKNOWN, query=HOSTILE))
    assert user_text(HOSTILE) in unknown
    assert user_text(HOSTILE) in texts.help.unknown_command(HOSTILE, None)
    assert user_text(HOSTILE) in texts.errors.error(
        DomainError(ErrorKind.TARGET_GONE, name=HOSTILE)
    )
    # The bot's own mentions are the vocabulary's, the name in them cleaned of every marker.
    suggestions = texts.consent.pick_suggestions([("U7", f"Bo{USER_END}", HOSTILE)])
    assert mention("U7", "Bo") + " (" + user_text(HOSTILE) + ")" in suggestions
    assert mrkdwn(suggestions).startswith("Forslag ud fra fagområder: <@U7> (")


def test_a_facilitators_reason_speaks_for_kl_other_reasons_are_data() -> None:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    link = "<https://kl.dk|aftalen>"
    lines = [
        HistoryLine(at, "Aarhus", SeatKind.FIXED, 1, "admin_set", "A", None, "F", link),
        HistoryLine(at, "Aarhus", SeatKind.FIXED, 1, "regrets", "A", None, None, link),
    ]
    _, body = texts.consent.history_text(lines, ZoneInfo("Europe/Copenhagen"), None)
    first, second = body.split("\n")
    assert f"Begrundelse: {link}" in first
    assert f"Begrundelse: {user_text(link)}" in second


# -- Slack rendering -----------------------------------------------------------------------------


def test_mrkdwn_escapes_user_spans_only() -> None:
    marked = f":handshake: *{user_text('Bo & <@U999> <!here>')}* vil give <@U2> pladsen"
    assert mrkdwn(marked) == (
        ":handshake: *Bo &amp; &lt;@U999&gt; &lt;!here&gt;* vil give <@U2> pladsen"
    )
    # Already escaped text from a person is shown as they wrote it, not decoded.
    assert mrkdwn(user_text("&lt;!here&gt;")) == "&amp;lt;!here&amp;gt;"
    assert plain_text(marked) == ":handshake: *Bo & <@U999> <!here>* vil give <@U2> pladsen"


@given(value=texts_with_syntax)
def test_no_user_text_survives_as_slack_syntax(value: str) -> None:
    rendered = mrkdwn(f"<@U1> {user_text(value)} <#C1>")
    assert rendered.startswith("<@U1> ") and rendered.endswith(" <#C1>")
    inner = rendered[len("<@U1> ") : -len(" <#C1>")]
    assert "<" not in inner and ">" not in inner
    assert inner.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == as_written(
        value
    )


def _mrkdwn_strings(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def test_every_part_of_a_reply_is_rendered_through_the_renderers() -> None:
    reply = Reply(
        (f"*{user_text(HOSTILE)}* har tilbudt dig pladsen <@U2>",),
        buttons=(Button(f"Ja {user_text('<b>')}", "offer_accept", "1", "primary"),),
        context=f"Forslag: <@U3> ({user_text(HOSTILE)})",
        picks=(UserPick(f"Fleksibel plads 1: {user_text(HOSTILE)}", "pick", "pick:1:1", "Vælg"),),
    )
    message = reply_message(reply)
    blocks = message["blocks"]
    strings = [message["text"], *_mrkdwn_strings(blocks)]
    assert len(strings) == 4
    for text in strings:
        assert ESCAPED in text
        assert "<!" not in text and "<http" not in text
    assert "<@U2>" in strings[1] and "<@U3>" in strings[3]
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert actions["elements"][0]["text"] == {"type": "plain_text", "text": "Ja <b>", "emoji": True}


def test_long_user_text_is_split_after_escaping() -> None:
    reply = Reply((f"Hej {user_text('<' * 10_000)} farvel",), context=user_text("<" * 5000))
    blocks = [b.to_dict() for b in reply_blocks(reply)]
    strings = _mrkdwn_strings(blocks)
    assert len(strings) > 10
    for text in strings:
        assert "<" not in text and len(text) <= 3000
    # No chunk or cut ends in a broken entity.
    assert all(not re.search(r"&[a-z]{0,3}$", t.rstrip("…")) for t in strings)
    assert "".join(strings[:-1]).replace("\n", "").count("&lt;") == 10_000
    fallback = fallback_text(reply)
    assert len(fallback) <= 3000 and "<" not in fallback


# -- the console ---------------------------------------------------------------------------------


def test_console_shows_user_text_as_written_and_translates_only_the_bots_markup() -> None:
    name = "*Anna* <@U1> _x_ :x: `kode`"
    reply = Reply(
        (
            f"{icon(Icon.OFFER)} {bold(user_text(name))} vil give {mention('U2', '<Bo>')} den "
            f"{bold('faste plads')}",
        ),
        buttons=(Button(f"Ja {user_text('*ja*')}", "a", "1"),),
        picks=(UserPick(f"Plads: {user_text('<@U5>')}", "p", "pick:1:1", "Vælg"),),
    )
    out = render(reply)
    assert out.startswith(f"🤝 {name} vil give <Bo> den faste plads")
    assert "Plads: <@U5> – send en kollega" in out
    assert "[1] Ja *ja*" in out
    assert USER_START not in out and USER_END not in out


# -- Slack's inbound escaping --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("nyt Se <https://kl.dk/a?b=1&amp;c=2>", "nyt Se https://kl.dk/a?b=1&c=2"),
        ("nyt <mailto:a@kl.dk>", "nyt mailto:a@kl.dk"),
        ("nyt Se <https://kl.dk|KL's side> nu", "nyt Se <https://kl.dk|KL's side> nu"),
        ("overdrag <@U0CARL|carl> fast", "overdrag <@U0CARL|carl> fast"),
        ("overdrag <@U0CARL>", "overdrag <@U0CARL>"),
        ("overdrag <@U0CARL|a&amp;b&lt;!x&gt;>", "overdrag <@U0CARL|a&b!x>"),
        ("nyt <#C0NET|klimanet> og <!here>", "nyt <#C0NET|klimanet> og <!here>"),
        ("pladser A &amp; B &lt;x&gt;", "pladser A & B <x>"),
        ("pladser &amp;lt;", "pladser &lt;"),  # a person who typed "&lt;"
        ('punkt tilføj 1 "Titel" ved="A &amp; B"', 'punkt tilføj 1 "Titel" ved="A & B"'),
        ("", ""),
    ],
)
def test_decode_command_text(sent: str, meant: str) -> None:
    # A person's mention becomes a neutral mention, written as Slack wrote it where text is data.
    assert as_typed(decode_command_text(sent)) == meant


@pytest.mark.parametrize(
    ("sent", "account", "name", "typed"),
    [
        ("overdrag <@U0CARL|carl> fast", "U0CARL", "carl", "<@U0CARL|carl>"),
        ("overdrag <@U0CARL>", "U0CARL", "", "<@U0CARL>"),
        ("overdrag <@W0CARL|a&amp;b&lt;!x&gt;>", "W0CARL", "a&b!x", "<@W0CARL|a&b!x>"),
        ("overdrag <@U0CARL|Carl Berg> fast", "U0CARL", "Carl Berg", "<@U0CARL|Carl Berg>"),
    ],
)
def test_slack_mentions_reach_the_service_as_neutral_mentions(
    sent: str, account: str, name: str, typed: str
) -> None:
    words = tokens(decode_command_text(sent))
    assert read_mention(words[1]) == Mention(account, typed, name)
    found, rest = mentions(words[1:])
    assert found == [Mention(account, typed, name)] and rest == words[2:]


@pytest.mark.parametrize(
    "sent", ["overdrag <!here>", "overdrag <#C0NET|klimanet>", "overdrag @carl"]
)
def test_slack_channel_and_plain_mentions_are_no_person(sent: str) -> None:
    found, _ = mentions(tokens(decode_command_text(sent)))
    assert all(not isinstance(f, Mention) for f in found)


def test_a_typed_mark_is_no_mention() -> None:
    """A person who pastes the characters a mark is made of mentions nobody."""
    forged = mark(Mention("U0BOSS", "<@U0BOSS>")).replace("<", "&lt;").replace(">", "&gt;")
    decoded = decode_command_text(f"overdrag {forged}")  # as Slack escapes what was typed
    assert mentions(tokens(decoded))[0] == []


@given(typed=st.text(max_size=80).filter(lambda t: not MARKS & set(t)))
def test_decoding_what_slack_escaped_gives_back_what_was_typed(typed: str) -> None:
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert decode_command_text(escaped) == typed


def test_every_error_kind_has_its_own_danish_sentence() -> None:
    from bot.texts.errors import _TEXTS

    assert set(_TEXTS) == set(ErrorKind)
