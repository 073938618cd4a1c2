"""A poll end to end as Slack sends it: the poll posted in the channel with a button per option
(valid Block Kit), a signed click answered to the clicker alone, the turnout updated in place
with chat.update, and a replayed click acting once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import Poll, PollBallot
from tests.support.fake_slack import FakeSlack
from tests.support.logs import wait_for_message
from tests.support.slack_driver import (
    state_value_checkboxes,
    state_value_datepicker,
    state_value_plain,
    state_value_timepicker,
)
from tests.support.slackbot import ADMIN, CHANNEL, SlackBot, buttons, running_bot

ANNA, BO, EVA = "U0ANNA", "U0BO", "U0EVA"
NAMES = {ADMIN: "Sara Røpke", ANNA: "Anna Jensen", BO: "Bo Hansen", EVA: "Eva Holm"}
CLOSES = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)
REPLAYED = "ignored a replayed request (its signature was already seen)"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for user_id, name in NAMES.items():
            fake.add_user(user_id, name)
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock, registration="open") as bot:
        bot.runtime.delivery._pacer.interval = 0.0
        yield bot


def poll_message(bot: SlackBot) -> dict[str, object]:
    [found] = [m for m in bot.fake.messages(CHANNEL) if "Afstemning 1:" in str(m.get("text"))]
    return found


def test_a_poll_in_slack(
    bot: SlackBot, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.say(ANNA, "tilmeld Aarhus fast")
    bot.say(BO, "tilmeld Aarhus fleksibel")
    answer = bot.say(
        ADMIN, 'afstemning opret "Hvilket tema?" "Klimatilpasning" "Affald" luk 4/12 12:00'
    )
    assert "Afstemning 1 er oprettet" in answer
    bot.drain()
    message = poll_message(bot)
    assert "0 af 1 kommuner har stemt" in str(message["text"])
    assert list(buttons(message)) == ["poll_vote", "poll_vote#2"]

    # Bo votes for Affald: the answer is for Bo alone, the channel post stays.
    voted = bot.click(BO, "poll_vote#2", message, CHANNEL)
    assert voted.args["response_type"] == "ephemeral" and not voted.args.get("replace_original")
    assert "Aarhus' stemme i afstemning 1 er nu: Affald." in str(voted.args["text"])
    bot.drain()
    updated = poll_message(bot)
    assert "1 af 1 kommuner har stemt" in str(updated["text"])
    assert "Bo" not in str(updated["text"])

    # Anna's click, then the same signed request again: acted on once.
    before = len(bot.fake.calls("response_url"))
    first = bot.driver.block_action(
        ANNA, "poll_vote", buttons(updated)["poll_vote"], message=updated, channel_id=CHANNEL
    )
    assert first.status_code == 200
    bot.fake.wait_for("response_url", count=before + 1)
    replay = requests.Session().send(first.request, timeout=10)
    assert replay.status_code == 200 and replay.text == ""
    wait_for_message(caplog, REPLAYED)
    with bot.runtime.core.sessions() as session:
        [ballot] = session.scalars(select(PollBallot)).all()
        assert ballot.revision == 2
    bot.drain()
    # Bo is told that Anna changed Aarhus' vote; Anna is not told about her own change.
    told = [str(m.get("text")) for m in bot.fake.messages(BO) if "ændret" in str(m.get("text"))]
    assert len(told) == 1 and "Anna Jensen" in told[0] and "Klimatilpasning" in told[0]
    assert not [m for m in bot.fake.messages(ANNA) if "ændret" in str(m.get("text"))]

    # Someone without a seat is told why.
    refused = bot.click(EVA, "poll_vote", updated, CHANNEL)
    assert "Du har ingen plads i netværket" in str(refused.args["text"])

    # At closing: the result in the channel, and its bar chart shared there.
    clock.set(CLOSES)
    bot.drain()
    results = [m for m in bot.fake.messages(CHANNEL) if "Resultat" in str(m.get("text"))]
    assert len(results) == 1 and "Klimatilpasning: 1 kommune" in str(results[0]["text"])
    [chart] = [u for u in bot.fake.uploads if u.filename == "klimanet-afstemning-1.png"]
    assert chart.channel_id == CHANNEL and chart.content.startswith(b"\x89PNG")
    assert "actions" not in {b["type"] for b in poll_message(bot)["blocks"]}


def test_the_poll_form_in_slack(bot: SlackBot) -> None:
    bot.say(ANNA, "tilmeld Aarhus fast")
    assert bot.driver.command(ADMIN, "afstemning opret").status_code == 200
    view = dict(bot.fake.wait_for("views.open")[0].args["view"])
    assert view["callback_id"] == "poll"
    good = {
        "poll_question": {"value": state_value_plain("Hvilket tema?")},
        "poll_options": {"value": state_value_plain("Klimatilpasning\nAffald\n\nMobilitet")},
        "poll_date": {"value": state_value_datepicker("2026-12-04")},
        "poll_time": {"value": state_value_timepicker("12:00")},
        "poll_multiple": {"value": state_value_checkboxes([("multiple", "Flere svar")])},
    }
    # One option only, a closing time passed: each refusal next to its field.
    bad = {
        **good,
        "poll_options": {"value": state_value_plain("Klimatilpasning")},
    }
    answer = bot.driver.view_submission(ADMIN, view, bad).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["poll_options"]
    past = {**good, "poll_date": {"value": state_value_datepicker("2026-11-01")}}
    answer = bot.driver.view_submission(ADMIN, view, past).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["poll_date"]

    answer = bot.driver.view_submission(ADMIN, view, good).json()
    assert answer["response_action"] == "update"  # "opening …", then the answer after the ack
    updated = bot.fake.wait_for("views.update", ok=True)[0].args["view"]
    assert "Afstemning 1 er oprettet" in json.dumps(updated, ensure_ascii=False)
    bot.drain()
    message = poll_message(bot)
    assert list(buttons(message)) == ["poll_vote", "poll_vote#2", "poll_vote#3"]
    assert "kan vælge flere svar" in str(message["text"])
    with bot.runtime.core.sessions() as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.multiple and poll.closes_at == CLOSES
