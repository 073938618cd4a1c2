"""The neutral reply as Teams activities (``handlers/teams/cards.py``): cards with the same
button values as Slack's, plain messages without buttons, never both in one activity, always
under 80 KB, and a member's text never markup."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot import texts
from bot.markup import Icon, bold, icon
from bot.replies import Action, Button, Reply, UserPick, user_text
from handlers.slack.blocks import reply_blocks
from handlers.teams.cards import (
    ACTION_KEY,
    ADAPTIVE_CARD,
    MAX_ACTIVITY_BYTES,
    VALUE_KEY,
    activity,
    escape_user_text,
    size_of,
    teams_markdown,
)

YES = Button("Ja", Action.ATTEND_YES, "12", style="primary")
NO = Button("Nej", Action.ATTEND_NO, "12", style="danger")


def _card(found: dict[str, object]) -> dict[str, object]:
    (attachment,) = found["attachments"]  # type: ignore[misc]
    assert attachment["contentType"] == ADAPTIVE_CARD
    return attachment["content"]  # type: ignore[no-any-return]


def test_a_reply_without_buttons_is_a_plain_markdown_message() -> None:
    found = activity(Reply((f"{bold('Møde 3')} er flyttet {icon(Icon.DONE)}",)))
    assert found == {
        "type": "message",
        "textFormat": "markdown",
        "text": "**Møde 3** er flyttet ✔",
    }


def test_buttons_become_a_card_with_slacks_action_values_and_no_text() -> None:
    reply = Reply(("Kommer du stadig?",), buttons=(YES, NO))
    found = activity(reply)
    assert "text" not in found  # never text and a card in one activity
    card = _card(found)
    assert card["version"] == "1.5" and card["type"] == "AdaptiveCard"
    actions = card["actions"]
    assert [a["type"] for a in actions] == ["Action.Submit", "Action.Submit"]  # type: ignore[index]
    submitted = [(a["data"][ACTION_KEY], a["data"][VALUE_KEY]) for a in actions]  # type: ignore[index]
    # The same action ids and values as Slack's buttons carry.
    slack = [
        (e["action_id"], e["value"])
        for block in reply_blocks(reply)
        if block.to_dict()["type"] == "actions"
        for e in block.to_dict()["elements"]
    ]
    assert submitted == slack
    assert [a["style"] for a in actions] == ["positive", "destructive"]  # type: ignore[index]


def test_a_sections_own_buttons_stand_right_below_it() -> None:
    reply = Reply(
        ("Aarhus", "Odense", "Til sidst"),
        buttons=(Button("Godkend", Action.REQUEST_APPROVE, "1", under=0), Button("Luk", "x", "")),
    )
    body = _card(activity(reply))["body"]
    kinds = [b["type"] for b in body]  # type: ignore[index]
    assert kinds == ["TextBlock", "ActionSet", "TextBlock", "TextBlock"]
    assert body[1]["actions"][0]["data"][VALUE_KEY] == "1"  # type: ignore[index]
    assert [a["title"] for a in _card(activity(reply))["actions"]] == ["Luk"]  # type: ignore[index]


def test_a_clicked_card_shown_again_has_no_buttons() -> None:
    card = _card(activity(Reply(("Kommer du?",), buttons=(YES,)), without_buttons=True))
    assert "actions" not in card
    assert all(block["type"] == "TextBlock" for block in card["body"])  # type: ignore[index]


def test_a_pick_becomes_the_command_to_write() -> None:
    pick = UserPick("Vikar", "pick", "b", "Vælg", command="vikar 4 @kollega fleksibel 2")
    card = _card(activity(Reply(("Hvem?",), picks=(pick,))))
    texts_in_card = [b["text"] for b in card["body"]]  # type: ignore[index]
    assert texts.teams.teams_pick_hint("vikar 4 @kollega fleksibel 2") in texts_in_card


def test_member_text_is_never_markup() -> None:
    name = "*Bo* [klik](https://evil.example) <at>Alle</at> _x_ `kode` # overskrift"
    shown = teams_markdown(f"*Overdraget til {user_text(name)}*")
    assert shown.startswith("**Overdraget til ") and shown.endswith("**")
    inner = shown[len("**Overdraget til ") : -2]
    assert inner == escape_user_text(name)
    assert "<" not in inner and "](" not in inner
    assert "\\*Bo\\*" in inner and "&lt;at&gt;" in inner


@given(st.text())
def test_escaped_member_text_has_no_live_markup(value: str) -> None:
    shown = escape_user_text(value)
    assert "<" not in shown and ">" not in shown
    # Every markdown character left is escaped by a backslash (which is itself escaped).
    unescaped = re.sub(r"\\.", "", shown)
    assert not re.search(r"[`*_{}\[\]()#|~]", unescaped)


def test_every_activity_stays_under_80_kb() -> None:
    many = tuple(f"Punkt {n}: " + "æøå " * 250 for n in range(200))
    for reply in (Reply(many), Reply(many, buttons=(YES, NO))):
        found = activity(reply)
        assert size_of(found) <= MAX_ACTIVITY_BYTES
        written = found.get("text") or _card(found)["body"][-1]["text"]  # type: ignore[index]
        assert texts.teams.TEAMS_CUT_SHORT in str(written)
    one_huge = activity(Reply(("ø" * 100_000,)))
    assert size_of(one_huge) <= MAX_ACTIVITY_BYTES
    kept_buttons = _card(activity(Reply(many, buttons=(YES,))))["actions"]
    assert [a["data"][ACTION_KEY] for a in kept_buttons] == [Action.ATTEND_YES]  # type: ignore[index]
