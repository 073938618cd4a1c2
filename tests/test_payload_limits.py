"""Each Slack rule in payload_limits fires, and realistic valid payloads pass."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.payload_limits import (
    message_problems,
    validate_message,
    validate_view,
    view_problems,
)

REGIONS = ["Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland", "Nordjylland"]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": plain(text or value), "value": value}


def section(text: str = "*Møde* torsdag den 25. juni 2020 kl. 10.00") -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def button(action_id: str = "confirm", text: str = "Bekræft", value: str = "42") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": value}


def municipality_select(count: int = 98) -> dict[str, Any]:
    """98 municipalities grouped by region, as the bot's registration modal offers them."""
    groups: list[dict[str, Any]] = [{"label": plain(region), "options": []} for region in REGIONS]
    for number in range(count):
        groups[number % len(REGIONS)]["options"].append(
            option(f"k{number:03d}", f"Kommune {number}")
        )
    return {
        "type": "static_select",
        "action_id": "municipality",
        "placeholder": plain("Vælg kommune"),
        "option_groups": groups,
    }


def valid_message() -> dict[str, Any]:
    return {
        "channel": "C0NET",
        "text": "Dagsorden for mødet torsdag den 25. juni 2020",
        "blocks": [
            {"type": "header", "text": plain("Dagsorden")},
            {
                "type": "section",
                "block_id": "agenda",
                "text": mrkdwn("1. Nyt fra KL"),
                "accessory": button(),
            },
            {"type": "section", "fields": [mrkdwn(f"*Punkt {i}*") for i in range(10)]},
            {"type": "divider"},
            {
                "type": "actions",
                "block_id": "seat",
                "elements": [
                    button("accept", "Acceptér", "1"),
                    {**button("decline", "Afvis", "1"), "style": "danger"},
                    municipality_select(),
                ],
            },
            {"type": "context", "elements": [mrkdwn("Kommunernes klimapolitiske netværk")]},
        ],
    }


def valid_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "register",
        "private_metadata": json.dumps({"meeting": 42}),
        "title": plain("Tilmeld til netværket"),
        "submit": plain("Tilmeld"),
        "close": plain("Annullér"),
        "blocks": [
            section("Vælg din kommune"),
            {
                "type": "input",
                "block_id": "municipality",
                "label": plain("Kommune"),
                "element": municipality_select(),
            },
            {
                "type": "input",
                "block_id": "theme",
                "label": plain("Fagområde"),
                "optional": True,
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 200},
            },
            {
                "type": "input",
                "block_id": "seat",
                "label": plain("Plads"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": "kind",
                    "options": [
                        option("fixed", "Fast plads"),
                        {"text": mrkdwn("*Fleksibel* plads"), "value": "flex"},
                    ],
                    "initial_option": option("fixed", "Fast plads"),
                },
            },
        ],
    }


def valid_home() -> dict[str, Any]:
    return {"type": "home", "blocks": [section(f"Møde {i}") for i in range(100)]}


# -- valid payloads pass ----------------------------------------------------------------------------


def test_valid_message_passes() -> None:
    validate_message(valid_message())
    assert message_problems({"text": "Kun tekst"}) == []


def test_valid_modal_and_home_pass() -> None:
    validate_view(valid_modal())
    validate_view(valid_home())


def test_message_at_the_limits_passes() -> None:
    blocks = [section("a" * 3000) for _ in range(50)]
    blocks[0] = {"type": "section", "fields": [mrkdwn("f" * 2000)] * 10}
    blocks[1] = {
        "type": "actions",
        "block_id": "b" * 255,
        "elements": [button(f"a{i}", "t" * 75, "v" * 2000) for i in range(25)],
    }
    validate_message({"text": "x", "blocks": blocks})


def test_blocks_as_json_string_are_decoded() -> None:
    # Form-encoded API calls send blocks as a JSON string.
    payload = valid_message()
    payload["blocks"] = json.dumps(payload["blocks"])
    validate_message(payload)


def test_delete_original_needs_no_text() -> None:
    validate_message({"delete_original": True})


# -- each rule fires --------------------------------------------------------------------------------


def _msg(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": "fallback", "blocks": blocks}


def _modal(**changes: Any) -> dict[str, Any]:
    view = valid_modal()
    view.update(changes)
    return view


def _options_select(options: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "s",
        "placeholder": plain("Vælg"),
        "options": options,
        **extra,
    }


MESSAGE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "51 blocks": (_msg([section() for _ in range(51)]), "has 51 blocks, max 50"),
    "missing text fallback": ({"blocks": [section()]}, "non-empty text fallback"),
    "blank text fallback": ({"text": "  ", "blocks": [section()]}, "non-empty text fallback"),
    "empty message": ({"channel": "C1"}, "no text, blocks or attachments"),
    "text over 40000": ({"text": "x" * 40_001}, "max 40000"),
    "section text 3001": (_msg([section("x" * 3001)]), "is 3001 characters, max 3000"),
    "empty section text": (_msg([section("")]), "must not be empty"),
    "section without text or fields": (_msg([{"type": "section"}]), "needs text or fields"),
    "11 fields": (
        _msg([{"type": "section", "fields": [mrkdwn("f")] * 11}]),
        "has 11 fields, max 10",
    ),
    "field 2001": (
        _msg([{"type": "section", "fields": [mrkdwn("f" * 2001)]}]),
        "is 2001 characters, max 2000",
    ),
    "header 151": (_msg([{"type": "header", "text": plain("h" * 151)}]), "max 150"),
    "header mrkdwn": (_msg([{"type": "header", "text": mrkdwn("h")}]), "must be plain_text"),
    "101 options": (
        _msg(
            [
                {
                    "type": "actions",
                    "elements": [_options_select([option(str(i)) for i in range(101)])],
                }
            ]
        ),
        "has 101 options in total, max 100",
    ),
    "101 options in option_groups": (
        _msg([{"type": "actions", "elements": [municipality_select(101)]}]),
        "has 101 options in total, max 100",
    ),
    "option text 76": (
        _msg([{"type": "actions", "elements": [_options_select([option("v", "t" * 76)])]}]),
        "is 76 characters, max 75",
    ),
    "option value 151": (
        _msg([{"type": "actions", "elements": [_options_select([option("v" * 151, "t")])]}]),
        "is 151 characters, max 150",
    ),
    "mrkdwn option in select": (
        _msg(
            [
                {
                    "type": "actions",
                    "elements": [_options_select([{"text": mrkdwn("*t*"), "value": "v"}])],
                }
            ]
        ),
        "must be plain_text",
    ),
    "duplicate option value": (
        _msg([{"type": "actions", "elements": [_options_select([option("v"), option("v")])]}]),
        "duplicate option value 'v'",
    ),
    "option group label 76": (
        _msg(
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "action_id": "s",
                            "placeholder": plain("p"),
                            "option_groups": [{"label": plain("g" * 76), "options": [option("v")]}],
                        }
                    ],
                }
            ]
        ),
        "is 76 characters, max 75",
    ),
    "options and option_groups": (
        _msg(
            [
                {
                    "type": "actions",
                    "elements": [{**municipality_select(3), "options": [option("v")]}],
                }
            ]
        ),
        "not both",
    ),
    "initial option not offered": (
        _msg(
            [
                {
                    "type": "actions",
                    "elements": [_options_select([option("a")], initial_option=option("b"))],
                }
            ]
        ),
        "is not one of the options",
    ),
    "button text 76": (_msg([{"type": "actions", "elements": [button(text="t" * 76)]}]), "max 75"),
    "button value 2001": (
        _msg([{"type": "actions", "elements": [button(value="v" * 2001)]}]),
        "is 2001 characters, max 2000",
    ),
    "button style": (
        _msg([{"type": "actions", "elements": [{**button(), "style": "green"}]}]),
        "must be primary or danger",
    ),
    "actions 26 elements": (
        _msg([{"type": "actions", "elements": [button(f"a{i}") for i in range(26)]}]),
        "has 26 elements, max 25",
    ),
    "duplicate action_id": (
        _msg([{"type": "actions", "elements": [button("a"), button("a")]}]),
        "duplicate action_id 'a'",
    ),
    "block_id 256": (_msg([{**section(), "block_id": "b" * 256}]), "max 255"),
    "duplicate block_id": (
        _msg([{**section(), "block_id": "x"}, {**section(), "block_id": "x"}]),
        "duplicate block_id 'x'",
    ),
    "action_id 256": (_msg([{"type": "actions", "elements": [button("a" * 256)]}]), "max 255"),
    "context 11 elements": (
        _msg([{"type": "context", "elements": [mrkdwn("c")] * 11}]),
        "has 11 elements, max 10",
    ),
    "unknown block type": (_msg([{"type": "sektion", "text": mrkdwn("x")}]), "unknown block type"),
    "typo in a property": (
        _msg([{**section(), "acessory": button()}]),
        "unknown properties ['acessory']",
    ),
    "text object is a string": (_msg([{"type": "section", "text": "x"}]), "must be a text object"),
    "blocks not JSON": ({"text": "x", "blocks": "[{"}, "not valid JSON"),
    # Enforced only by the slack_sdk model: proves the model validators run too.
    "image url 3001 (model)": (
        _msg([{"type": "image", "image_url": "https://x/" + "a" * 3000, "alt_text": "a"}]),
        "image_url attribute cannot exceed 3000 characters",
    ),
    "image without alt_text (model)": (
        _msg([{"type": "image", "image_url": "https://x/a.png"}]),
        "alt_text",
    ),
}


@pytest.mark.parametrize("payload, expected", MESSAGE_CASES.values(), ids=MESSAGE_CASES.keys())
def test_message_rule_fires(payload: dict[str, Any], expected: str) -> None:
    with pytest.raises(AssertionError, match="invalid Slack message") as raised:
        validate_message(payload)
    assert expected in str(raised.value)


def _big_modal() -> dict[str, Any]:
    # 90 sections of 2999 characters: each within limits, together over 250 kB.
    return _modal(blocks=[section("x" * 2999) for _ in range(90)])


def _modal_without(key: str) -> dict[str, Any]:
    view = valid_modal()
    del view[key]
    return view


VIEW_CASES: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    "title 25": (
        lambda: _modal(title=plain("t" * 25)),
        "view.title.text: is 25 characters, max 24",
    ),
    "submit 25": (lambda: _modal(submit=plain("s" * 25)), "view.submit.text: is 25 characters"),
    "close 25": (lambda: _modal(close=plain("c" * 25)), "view.close.text: is 25 characters"),
    "title mrkdwn": (lambda: _modal(title=mrkdwn("t")), "must be plain_text"),
    "no title": (lambda: _modal_without("title"), "view.title: is required"),
    "input without submit": (lambda: _modal_without("submit"), "needs a submit button"),
    "private_metadata 3001": (
        lambda: _modal(private_metadata="m" * 3001),
        "view.private_metadata: is 3001 characters, max 3000",
    ),
    "callback_id 256": (lambda: _modal(callback_id="c" * 256), "max 255"),
    "101 blocks": (
        lambda: {"type": "home", "blocks": [section() for _ in range(101)]},
        "has 101 blocks, max 100",
    ),
    "no blocks": (lambda: _modal(blocks=[]), "at least one block"),
    "over 250 kB": (_big_modal, "bytes as JSON, max 250000"),
    "home with submit": (
        lambda: {**valid_home(), "submit": plain("Gem")},
        "a Home tab cannot have submit or close",
    ),
    "wrong type": (lambda: _modal(type="dialog"), "must be modal or home"),
    "unknown view property": (lambda: _modal(titel=plain("x")), "unknown properties ['titel']"),
    "bad block inside": (
        lambda: _modal(blocks=[section("x" * 3001)]),
        "view.blocks[0](section).text.text: is 3001 characters",
    ),
    "mrkdwn radio option is fine, mrkdwn select option is not": (
        lambda: _modal(
            blocks=[
                {
                    "type": "input",
                    "label": plain("l"),
                    "element": _options_select([{"text": mrkdwn("m"), "value": "v"}]),
                }
            ]
        ),
        "must be plain_text here",
    ),
}


@pytest.mark.parametrize("make_view, expected", VIEW_CASES.values(), ids=VIEW_CASES.keys())
def test_view_rule_fires(make_view: Callable[[], dict[str, Any]], expected: str) -> None:
    with pytest.raises(AssertionError, match="invalid Slack view") as raised:
        validate_view(make_view())
    assert expected in str(raised.value)


def test_all_problems_are_reported_at_once() -> None:
    view = _modal(title=plain("t" * 25), private_metadata="m" * 3001)
    problems = view_problems(view)
    assert len(problems) == 2, problems


def test_validation_does_not_mutate_the_payload() -> None:
    payload = valid_message()
    before = copy.deepcopy(payload)
    validate_message(payload)
    assert payload == before
