"""The buttons of issue 19 that open a form in Slack: "Skriv en kommentar" on "Hvordan var
mødet?" (the feedback form: checked in the ack without the database, saved after it, the
comment kept as data), and a nudge's "Tilmeld en kollega" (the registration form, filled in)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.models import MeetingFeedback
from bot.replies import FeedbackField, HomeAction
from bot.service.loop import FeedbackForm, check_feedback_form
from tests.support.fake_slack import FakeSlack
from tests.support.slack_driver import (
    state_value_checkboxes,
    state_value_plain,
    state_value_radio,
)
from tests.support.slackbot import ADMIN, SlackBot, buttons, running_bot

ANNA, BO = "U0ANNA", "U0BO"
HOSTILE = "<!channel> se <https://evil.example/login|Klik her> og https://evil.example/x"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for user_id, name in ((ADMIN, "Sara Røpke"), (ANNA, "Anna Jensen"), (BO, "Bo Holm")):
            fake.add_user(user_id, name)
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock, registration="open") as bot:
        bot.runtime.delivery._pacer.interval = 0.0
        yield bot


def _view(call_args: dict[str, Any]) -> dict[str, Any]:
    view = call_args["view"]
    return json.loads(view) if isinstance(view, str) else view


def _values(rating: str | None, comment: str | None, signed: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        FeedbackField.COMMENT: {"value": state_value_plain(comment)},
        FeedbackField.SIGNED: {
            "value": state_value_checkboxes([("signed", "x")] if signed else [])
        },
    }
    values[FeedbackField.RATING] = {
        "value": state_value_radio(rating, rating)
        if rating
        else {"type": "radio_buttons", "selected_option": None}
    }
    return values


def test_the_feedback_form_in_slack(bot: SlackBot, clock: FixedClock) -> None:
    bot.say(ANNA, "tilmeld Aarhus")
    bot.say(ADMIN, 'møde opret 15.03.2027 10:00-12:00 online "Vintermøde" link=https://m.example/1')
    clock.set(datetime(2027, 3, 16, 9, 0, 30, tzinfo=UTC))
    bot.drain()
    (question,) = [m for m in bot.fake.messages(ANNA) if "Hvordan var mødet?" in str(m["text"])]
    assert HomeAction.FEEDBACK_FORM in buttons(question)

    response = bot.driver.block_action(
        ANNA, HomeAction.FEEDBACK_FORM, buttons(question)[HomeAction.FEEDBACK_FORM],
        message=question, channel_id=f"D{ANNA}",
    )  # fmt: skip
    assert response.status_code == 200
    view = _view(bot.fake.wait_for("views.open")[0].args)
    assert "Vintermøde" in json.dumps(view, ensure_ascii=False)

    # Checked in the ack: every bad field at once, nothing saved.
    problems = bot.driver.view_submission(ANNA, view, _values(None, "  ", False)).json()
    assert problems["response_action"] == "errors"
    assert set(problems["errors"]) == {FeedbackField.RATING, FeedbackField.COMMENT}
    too_long = bot.driver.view_submission(ANNA, view, _values("4", "x" * 2001, False)).json()
    assert set(too_long["errors"]) == {FeedbackField.COMMENT}

    # A good one: "Gemmer …" in the ack, saved after it, the modal then says so.
    saving = bot.driver.view_submission(ANNA, view, _values("4", HOSTILE, True)).json()
    assert saving["response_action"] == "update"
    assert "Gemmer din feedback" in json.dumps(saving["view"], ensure_ascii=False)
    done = _view(bot.fake.wait_for("views.update", ok=True)[0].args)
    assert "Tak for din feedback" in json.dumps(done, ensure_ascii=False)
    with bot.runtime.core.sessions() as session:
        (row,) = session.scalars(select(MeetingFeedback))
    assert (row.rating, row.comment, row.signed) == (4, HOSTILE, True)

    # The comment is data to KL: shown as written, no broadcast, no link.
    summary = bot.say(ADMIN, "feedback 1")
    assert "<!channel>" not in summary and "<https://evil" not in summary
    assert "&lt;!channel&gt;" in summary and "Anna Jensen" in summary

    # The form again shows the answer so far; Bo (not at the meeting) gets no form.
    bot.driver.block_action(
        ANNA, HomeAction.FEEDBACK_FORM, buttons(question)[HomeAction.FEEDBACK_FORM],
        message=question, channel_id=f"D{ANNA}",
    )  # fmt: skip
    again = json.dumps(_view(bot.fake.wait_for("views.open", count=2)[1].args), ensure_ascii=False)
    assert "evil.example" in again
    bot.driver.block_action(
        BO, HomeAction.FEEDBACK_FORM, buttons(question)[HomeAction.FEEDBACK_FORM],
        message=question, channel_id=f"D{BO}",
    )  # fmt: skip
    refused = json.dumps(
        _view(bot.fake.wait_for("views.open", count=3)[2].args), ensure_ascii=False
    )
    assert "Ikke gemt" in refused and FeedbackField.COMMENT not in refused


def test_the_form_is_checked_without_a_database() -> None:
    """The ack's check is a function of the form alone (no session exists here)."""
    assert check_feedback_form(FeedbackForm(3, "5", "Godt")) is None
    bad = check_feedback_form(FeedbackForm(3, "9", "x" * 2001))
    assert bad is not None and set(bad.errors) == {FeedbackField.RATING, FeedbackField.COMMENT}
    assert check_feedback_form(FeedbackForm(0, "5", "Godt")) is not None  # no meeting named


def test_the_nudge_opens_the_registration_form_prefilled_in_slack(
    bot: SlackBot, clock: FixedClock
) -> None:
    eva = ANNA  # here Odense's coordinator, whose municipality has two free flexible seats
    bot.say(eva, "tilmeld Odense")
    bot.say(ADMIN, 'møde opret 15.03.2027 10:00-12:00 online "Affald" tema=affald link=https://m.example/1')  # fmt: skip
    clock.set(datetime(2027, 3, 8, 8, 0, 30, tzinfo=UTC))  # the agenda goes out
    bot.drain()
    (nudge,) = [m for m in bot.fake.messages(eva) if "ledige fleksible pladser" in str(m["text"])]
    value = buttons(nudge)[HomeAction.REGISTER_PREFILLED]
    assert value == "461:flexible"

    # A colleague (the DM passed on to Bo) gets the form with Odense and a flexible seat.
    bot.driver.block_action(BO, HomeAction.REGISTER_PREFILLED, value, message=nudge, channel_id=f"D{BO}")  # fmt: skip
    form = _view(bot.fake.wait_for("views.open")[0].args)
    municipality, kind = form["blocks"][1]["element"], form["blocks"][2]["element"]
    assert municipality["initial_option"]["value"] == "461"
    assert kind["initial_option"]["value"] == "flexible"
    # The coordinator, who has a seat, is told the colleague must fill it in.
    bot.driver.block_action(eva, HomeAction.REGISTER_PREFILLED, value, message=nudge, channel_id=f"D{eva}")  # fmt: skip
    told = json.dumps(_view(bot.fake.wait_for("views.open", count=2)[1].args), ensure_ascii=False)
    assert "tilmeld Odense fleksibel" in told
