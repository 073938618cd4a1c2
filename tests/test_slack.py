"""Slack-level tests: the real Bolt app in HTTP mode, requests signed as Slack signs them, and a
loopback fake of the Web API that validates every payload the bot sends."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from bot.clock import FixedClock
from bot.domain.errors import ErrorKind
from bot.models import Meeting
from bot.service.context import TransactionRunner
from handlers.slack.app import wsgi_app
from tests.support.fake_slack import FakeSlack
from tests.support.http_server import serve_wsgi
from tests.support.slack_driver import (
    state_value_multi_static,
    state_value_plain,
    state_value_radio,
    state_value_static,
)
from tests.support.slackbot import SlackBot, running_bot, seats_held, slack_error

CPH = ZoneInfo("Europe/Copenhagen")

ANNA, BO, CARL, DORTE = "U0ANNA", "U0BO", "U0CARL", "U0DORTE"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Hansen")
        fake.add_user(CARL, "Carl Nielsen")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def test_bad_signature_is_refused(bot: SlackBot) -> None:
    response = bot.driver.command(ANNA, "tilmeld Aarhus", signature="v0=" + "0" * 64)
    assert response.status_code == 401
    stale = bot.driver.command(ANNA, "tilmeld Aarhus", timestamp=int(time.time()) - 6 * 60)
    assert stale.status_code == 401
    time.sleep(0.2)  # give a wrongly accepted request time to show up
    assert bot.fake.calls("response_url") == []
    assert seats_held(bot) == 0


def test_every_subcommand_answers_in_danish(bot: SlackBot) -> None:
    cases = {
        "": "sådan bruger du",
        "hjælp": "sådan bruger du",
        "hjaelp": "sådan bruger du",
        "tilmeld Aarhus": "Du er tilmeldt",
        "pladser": "Aarhus Kommune",
        "pladser Odense": "ikke med i netværket",
        "kommuner": "1 kommune · 1 af 3 pladser besat",
        "afmeld": "Vil du afmelde dig",
        "tilmelt": "mente du 'tilmeld'",
        "tilmeld xyzzy": "Jeg kender ingen kommune",
        "tilmeld frederiks": "passer på flere kommuner",
    }
    for text, expected in cases.items():
        started = time.monotonic()
        answer = bot.command(ANNA, text)
        assert expected in answer.args["text"], (text, answer.args["text"])
        assert answer.args["response_type"] == "ephemeral"
        assert time.monotonic() - started < 3
    # The name and title come from the Slack profile (users.info), not the raw user name.
    assert "Anna Jensen (Klimakoordinator)" in bot.command(ANNA, "pladser").args["text"]


def test_ack_comes_before_the_work(bot: SlackBot) -> None:
    response = bot.driver.command(ANNA, "tilmeld Aarhus")
    assert response.status_code == 200 and response.text == ""  # the answer goes to response_url
    assert bot.fake.wait_for("response_url")[0].args["text"].startswith(":white_check_mark:")


def test_tilmeld_opens_the_modal_and_submitting_registers(bot: SlackBot) -> None:
    response = bot.driver.command(ANNA, "tilmeld")
    assert response.status_code == 200
    opened = bot.fake.wait_for("views.open")[0]
    assert opened.args["trigger_id"] == bot.driver.last_trigger_id
    view = opened.args["view"]
    if isinstance(view, str):
        view = json.loads(view)
    select_element = view["blocks"][1]["element"]
    groups = select_element["option_groups"]
    assert [g["label"]["text"] for g in groups] == [
        "Region Nordjylland",
        "Region Midtjylland",
        "Region Syddanmark",
        "Region Hovedstaden",
        "Region Sjælland",
    ]
    assert sum(len(g["options"]) for g in groups) == 98

    values = {
        "municipality": {"value": state_value_static("751", "Aarhus")},
        "kind": {"value": state_value_radio("auto", "Den der er ledig (fast først)")},
        "title": {"value": state_value_plain("Klimachef")},
        "themes": {"value": state_value_multi_static([("Affald", "Affald")])},
    }
    submitted = bot.driver.view_submission(ANNA, view, values)
    assert submitted.status_code == 200
    answer = submitted.json()
    # The ack says it is registering; the registration is made after it, and the modal updated.
    assert answer["response_action"] == "update"
    assert "Tilmelder dig" in json.dumps(answer["view"], ensure_ascii=False)
    updated = bot.fake.wait_for("views.update", ok=True)[0].args
    assert "faste plads" in json.dumps(updated["view"], ensure_ascii=False)
    assert seats_held(bot) == 1

    # Someone asking for the (now taken) fixed seat is told so in the modal, and gets none.
    bot.driver.command(BO, "tilmeld")
    view_bo = bot.fake.wait_for("views.open", count=2)[1].args["view"]
    values["kind"] = {"value": state_value_radio("fixed", "Fast plads")}
    refused = bot.driver.view_submission(BO, view_bo, values).json()
    assert refused["response_action"] == "update"
    shown = json.dumps(
        bot.fake.wait_for("views.update", count=2)[1].args["view"], ensure_ascii=False
    )
    assert "Du er ikke tilmeldt" in shown and "besat af Anna Jensen" in shown
    assert seats_held(bot) == 1


def test_modal_is_not_opened_for_someone_already_registered(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    answer = bot.command(ANNA, "tilmeld")
    assert "allerede tilmeldt" in answer.args["text"]
    assert bot.fake.calls("views.open") == []


def test_release_with_buttons_and_a_double_click(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    ask = bot.command(ANNA, "afmeld")
    buttons = [e for b in ask.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["release_confirm", "release_cancel"]
    message = {"ts": "1700000000.000001", "text": ask.args["text"], "blocks": ask.args["blocks"]}
    answers = []
    for _ in range(2):
        before = len(bot.fake.calls("response_url"))
        clicked = bot.driver.block_action(ANNA, "release_confirm", "release", message=message)
        assert clicked.status_code == 200
        answer = bot.fake.wait_for("response_url", count=before + 1)[before]
        assert answer.args.get("replace_original") is True
        answers.append(answer.args["text"])
        assert seats_held(bot) == 0
    # The double click is told there is no seat to give up.
    assert answers[0] != answers[1] == slack_error(ErrorKind.NOT_REGISTERED)


def test_unexpected_error_gives_a_reference_not_a_traceback(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(TransactionRunner, "__call__", broken)
    answer = bot.command(ANNA, "kommuner")
    text = answer.args["text"]
    assert "Noget gik galt" in text and "KN-" in text
    assert "Traceback" not in text and "exploded" not in text
    reference = text.split("fejlkode *")[1].split("*")[0]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)


def test_form_submission_error_stays_in_the_modal(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.driver.command(ANNA, "tilmeld")
    view = bot.fake.wait_for("views.open")[0].args["view"]

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.runtime.core.service, "check_registration_form", broken)
    values = {"municipality": {"value": state_value_static("751", "Aarhus")}}
    answer = bot.driver.view_submission(ANNA, view, values).json()
    assert answer["response_action"] == "errors"
    assert "Noget gik galt" in answer["errors"]["municipality"]

    # A failure after the ack (while registering) is shown in the modal, with its reference.
    monkeypatch.undo()
    monkeypatch.setattr(bot.runtime.core.service, "save_registration_form", broken)
    answer = bot.driver.view_submission(ANNA, view, values).json()
    assert answer["response_action"] == "update"
    shown = json.dumps(bot.fake.wait_for("views.update")[0].args["view"], ensure_ascii=False)
    assert "Noget gik galt" in shown
    assert seats_held(bot) == 0


def test_app_home_is_published_once_per_event(bot: SlackBot) -> None:
    event = {"type": "app_home_opened", "user": ANNA, "channel": "D0ANNA", "tab": "home"}
    assert bot.driver.event(event, event_id="Ev0001").status_code == 200
    assert bot.driver.event(event, event_id="Ev0001", retry_num=1).status_code == 200
    published = bot.fake.wait_for("views.publish")
    time.sleep(0.3)
    assert len(bot.fake.calls("views.publish")) == len(published) == 1
    assert "ingen plads i netværket" in json.dumps(published[0].args, ensure_ascii=False)


def test_health(bot: SlackBot) -> None:
    health = requests.get(bot.url + "/health", timeout=5)
    report = health.json()
    assert health.status_code == 200 and report["status"] == "ok" and report["database"] is True
    assert 0 <= report["delivery_last_tick_seconds"] < 60  # the delivery loop is alive


def test_health_reports_a_dead_database(bot: SlackBot) -> None:
    from bot.db import make_engine

    dead = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    with serve_wsgi(wsgi_app(bot.runtime, dead)) as base:
        health = requests.get(base + "/health", timeout=10)
    assert health.status_code == 503 and health.json()["database"] is False


def test_facilitator_plans_a_meeting_in_the_modal(bot: SlackBot) -> None:
    from tests.support.slack_driver import state_value_datepicker, state_value_timepicker
    from tests.support.slackbot import ADMIN

    refused = bot.command(ANNA, "møde opret")
    assert refused.args["text"] == slack_error(ErrorKind.NOT_FACILITATOR)
    assert bot.fake.calls("views.open") == []

    assert bot.driver.command(ADMIN, "møde opret").status_code == 200
    opened = bot.fake.wait_for("views.open")[0]
    assert opened.args["trigger_id"] == bot.driver.last_trigger_id
    view = opened.args["view"]
    values = {
        "meeting_title": {"value": state_value_plain("Temamøde om affald")},
        "meeting_themes": {"value": state_value_multi_static([("Affald", "Affald")])},
        "meeting_date": {"value": state_value_datepicker("2027-03-01")},
        "meeting_time": {"value": state_value_timepicker("10:00")},
        "meeting_end": {"value": state_value_timepicker("09:00")},
        "meeting_format": {"value": state_value_radio("online", "Online")},
        "meeting_link": {"value": state_value_plain("https://m.example/2")},
    }
    refused_form = bot.driver.view_submission(ADMIN, view, values).json()
    assert refused_form["response_action"] == "errors"
    assert refused_form["errors"] == {"meeting_end": "Mødet skal slutte efter, det starter."}

    values["meeting_end"] = {"value": state_value_timepicker("12:00")}
    saving = bot.driver.view_submission(ADMIN, view, values).json()
    # The ack says the meeting is being saved; the result replaces it when saved.
    assert saving["response_action"] == "update"
    assert "Gemmer mødet" in json.dumps(saving["view"], ensure_ascii=False)
    saved = bot.fake.wait_for("views.update", ok=True)[-1].args
    assert "#1 Temamøde om affald" in json.dumps(saved["view"], ensure_ascii=False)

    with bot.runtime.core.sessions() as session:
        meeting = session.scalars(select(Meeting)).one()
        assert (meeting.starts_at, meeting.ends_at) == (
            datetime(2027, 3, 1, 10, tzinfo=CPH),
            datetime(2027, 3, 1, 12, tzinfo=CPH),
        )
    # The time the facilitator picked is the time members read.
    listed = bot.command(ANNA, "møder").args["text"]
    assert "mandag den 1. marts 2027 kl. 10.00–12.00" in listed.lower()

    bot.command(ANNA, "kalender 1")
    upload = bot.fake.wait_for("files.completeUploadExternal")
    assert upload and bot.fake.uploads[0].channel_id == f"D{ANNA}"
    assert bot.fake.uploads[0].filename == "klimanet-moede-1.ics"


def test_the_meeting_modal_warns_of_a_sunday_and_saves_when_sent_again(bot: SlackBot) -> None:
    from tests.support.slack_driver import state_value_datepicker, state_value_timepicker
    from tests.support.slackbot import ADMIN

    assert bot.driver.command(ADMIN, "møde opret").status_code == 200
    view = bot.fake.wait_for("views.open")[0].args["view"]
    values = {
        "meeting_title": {"value": state_value_plain("Søndagsmøde")},
        "meeting_date": {"value": state_value_datepicker("2027-06-27")},
        "meeting_time": {"value": state_value_timepicker("10:00")},
        "meeting_end": {"value": state_value_timepicker("12:00")},
        "meeting_format": {"value": state_value_radio("hybrid", "Hybrid")},
        "meeting_link": {"value": state_value_plain("https://m.example/1")},
        "meeting_location": {"value": state_value_plain("Weidekampsgade 10")},
    }
    assert bot.driver.view_submission(ADMIN, view, values).json()["response_action"] == "update"
    warned = bot.fake.wait_for("views.update", ok=True)[
        -1
    ].args  # the form again, filled in, warned
    shown = json.dumps(warned["view"], ensure_ascii=False)
    assert "en søndag" in shown and "Send formularen igen" in shown
    assert json.loads(warned["view"]["private_metadata"])["go_ahead"] == "weekend:6"
    assert bot.driver.view_submission(ADMIN, warned["view"], values).json()["response_action"] == (
        "update"
    )
    saved = bot.fake.wait_for("views.update", 2, ok=True)[-1].args
    assert "#1 Søndagsmøde" in json.dumps(saved["view"], ensure_ascii=False)
    assert "Hybrid – fysisk: Weidekampsgade 10" in bot.command(ANNA, "møder").args["text"]
