"""The meeting modal through the real Bolt app: every bad field answered at once in the ack,
without the database; a good form acknowledged at once and saved after the ack."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.models import Meeting
from tests.support.fake_slack import FakeSlack
from tests.support.slack_driver import (
    state_value_datepicker,
    state_value_plain,
    state_value_radio,
    state_value_timepicker,
)
from tests.support.slackbot import ADMIN, SlackBot, running_bot


@pytest.fixture
def bot(database_url: str, clock: FixedClock) -> Iterator[SlackBot]:
    with FakeSlack() as fake, running_bot(database_url, fake, clock) as bot:
        yield bot
        fake.assert_no_invalid_payloads()


def opened_form(bot: SlackBot) -> dict[str, Any]:
    assert bot.driver.command(ADMIN, "møde opret").status_code == 200
    return dict(bot.fake.wait_for("views.open")[0].args["view"])


def values(**changes: dict[str, Any]) -> dict[str, Any]:
    good = {
        "meeting_title": {"value": state_value_plain("Temamøde om affald")},
        "meeting_date": {"value": state_value_datepicker("2027-03-01")},
        "meeting_time": {"value": state_value_timepicker("10:00")},
        "meeting_end": {"value": state_value_timepicker("12:00")},
        "meeting_format": {"value": state_value_radio("hybrid", "Hybrid")},
        "meeting_link": {"value": state_value_plain("https://m.example/1")},
        "meeting_location": {"value": state_value_plain("Weidekampsgade 10")},
    }
    return {**good, **{field: {"value": value} for field, value in changes.items()}}


def meetings(bot: SlackBot) -> int:
    with bot.runtime.core.sessions() as session:
        return session.scalar(select(func.count()).select_from(Meeting)) or 0


def test_every_bad_field_is_answered_at_once(bot: SlackBot) -> None:
    view = opened_form(bot)
    bad = values(
        meeting_title=state_value_plain("   "),
        meeting_date=state_value_datepicker("2020-01-01"),
        meeting_end=state_value_timepicker("09:00"),
        meeting_link=state_value_plain("ftp://m.example/1"),
    )
    answer = bot.driver.view_submission(ADMIN, view, bad).json()
    assert answer["response_action"] == "errors"
    # Keyed by the blocks' ids, each in the form's own words (no one-line command syntax).
    assert answer["errors"] == {
        "meeting_title": "Skriv mødets titel.",
        "meeting_date": (
            "Tidspunktet er allerede passeret. Vælg en dato og et tidspunkt ude i fremtiden."
        ),
        "meeting_end": "Mødet skal slutte efter, det starter.",
        "meeting_link": "'ftp://m.example/1' er ikke et link. Skriv hele adressen, der starter med https://",
    }
    shown = json.dumps(answer, ensure_ascii=False)
    assert "link=" not in shown and "sted=" not in shown and "møde opret" not in shown
    time.sleep(0.2)  # nothing is saved after the ack either
    assert meetings(bot) == 0 and bot.fake.calls("views.update") == []


def test_the_ack_does_not_wait_for_the_save(bot: SlackBot, monkeypatch: pytest.MonkeyPatch) -> None:
    view = opened_form(bot)
    service = bot.runtime.core.service
    save = service.submit_meeting_form
    release = threading.Event()
    threads: list[str] = []

    def slow_save(*args: Any) -> Any:  # a database that is slow to answer
        threads.append(threading.current_thread().name)
        release.wait(10)
        return save(*args)

    monkeypatch.setattr(service, "submit_meeting_form", slow_save)
    try:
        started = time.monotonic()
        ack = bot.driver.view_submission(ADMIN, view, values()).json()
        assert time.monotonic() - started < 2.0
        assert ack["response_action"] == "update"
        assert "Gemmer mødet" in json.dumps(ack["view"], ensure_ascii=False)
        assert bot.fake.calls("views.update") == []  # the save waits; the ack did not
    finally:
        release.set()
    updated = bot.fake.wait_for("views.update", ok=True)[0].args
    assert "#1 Temamøde om affald" in json.dumps(updated["view"], ensure_ascii=False)
    assert meetings(bot) == 1
    assert threads and threads[0].startswith("work")  # the work pool, not Bolt's listener


def test_a_refusal_only_the_database_knows_replaces_the_saving_modal(bot: SlackBot) -> None:
    view = opened_form(bot)
    view["private_metadata"] = json.dumps({"number": 7})  # edit a meeting that does not exist
    ack = bot.driver.view_submission(ADMIN, view, values()).json()
    assert ack["response_action"] == "update"
    updated = json.dumps(bot.fake.wait_for("views.update")[0].args["view"], ensure_ascii=False)
    assert "Mødet er ikke gemt" in updated and "Jeg kan ikke finde møde '#7'" in updated
    assert meetings(bot) == 0


def test_a_meeting_named_by_its_date_in_slack(bot: SlackBot) -> None:
    """``afbud 14. januar`` through Slack: two meetings that day ask which, with buttons."""
    for command in (
        'møde opret 14.01.2027 10:00-12:00 online "Januarmøde" link=https://m.example/1',
        'møde opret 14.01.2027 13:00-15:00 fysisk "Eftermiddag" sted="Weidekampsgade 10"',
    ):
        assert "Mødet er oprettet" in bot.say(ADMIN, command)
    bot.say("U0ANNA", "tilmeld Aarhus")
    asked = bot.command("U0ANNA", "afbud 14 jan").args
    assert "Der er flere møder 14 jan" in asked["text"]
    values = {
        element["value"]
        for block in asked["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id", "").startswith("pick_meeting")
    }
    assert values == {"afbud 1", "afbud 2"}
    answer = bot.click("U0ANNA", "pick_meeting", None, "C0NET", value="afbud 2")
    assert "Dit afbud til #2 Eftermiddag er noteret" in answer.args["text"]
    assert "Dit afbud til #1 Januarmøde" in bot.say("U0ANNA", "afbud næste møde")
