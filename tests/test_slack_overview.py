"""KL's view of the network in Slack: the real Bolt app, requests signed as Slack signs them, and
the loopback fake of the Web API that validates every payload (and every Home view)."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.clock import FixedClock
from bot.posts.home_refresh import window_end
from bot.reports import MapState, render_map
from bot.reports.denmark_map import MAP_COLOURS
from tests.support.fake_slack import Call, FakeSlack
from tests.support.slackbot import ADMIN, SlackBot, running_bot
from tests.test_reports import INSIDE, pixel, rgb

ANNA, BO, CARL = "U0ANNA", "U0BO", "U0CARL"
AARHUS, ODENSE = 751, 461


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Hansen")
        fake.add_user(CARL, "Carl Nielsen")
        fake.add_user(ADMIN, "Sara Røpke", title="Kontorchef")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def bot(database_url: str, fake: FakeSlack, clock: FixedClock) -> Iterator[SlackBot]:
    with running_bot(database_url, fake, clock) as bot:
        yield bot


def open_home(bot: SlackBot, user_id: str) -> float:
    """``app_home_opened`` as Slack sends it; returns when it was sent (time.monotonic())."""
    event = {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": "home"}
    sent = time.monotonic()
    assert bot.driver.event(event).status_code == 200
    return sent


def published(bot: SlackBot, user_id: str, count: int = 1) -> list[Call]:
    """The first ``count`` Homes published for ``user_id`` (waits for them)."""
    deadline = time.monotonic() + 15
    while True:
        calls = [
            c for c in bot.fake.calls("views.publish", ok=True) if c.args["user_id"] == user_id
        ]
        if len(calls) >= count or time.monotonic() > deadline:
            assert len(calls) >= count, f"{len(calls)} Homes published for {user_id}"
            return calls
        time.sleep(0.02)


def home_saying(bot: SlackBot, user_id: str, text: str) -> dict[str, Any]:
    """The first Home published for ``user_id`` that says ``text`` (waits for it)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for call in published(bot, user_id):
            if text in str(call.args["view"]):
                return dict(call.args["view"])
        time.sleep(0.02)
    raise AssertionError(f"no Home for {user_id} says {text!r}")


def elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        found.extend(block.get("elements") or [])
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


def image_files(view: dict[str, Any]) -> list[str]:
    return [b["slack_file"]["id"] for b in view["blocks"] if b["type"] == "image"]


# -- overblik and eksport -------------------------------------------------------------------------


def test_overview_map_goes_to_the_facilitator_by_dm(bot: SlackBot, clock: FixedClock) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    refused = bot.command(ANNA, "overblik")
    assert "kun for facilitatorer" in refused.args["text"]

    answer = bot.command(ADMIN, "overblik")
    assert "1 kommune · 1 af 3 pladser besat" in answer.args["text"]
    assert "Region Midtjylland: 1 kommune" in answer.args["text"]
    bot.fake.wait_for("files.completeUploadExternal")
    [upload] = bot.fake.uploads
    assert upload.channel_id == f"D{ADMIN}"
    assert upload.filename == "klimanet-kort-2026-11-27.png"
    assert upload.title and "1 kommune · 1 af 3 pladser besat" in upload.title
    # The counts by region go with it, as the message that introduces the file.
    assert upload.initial_comment is not None
    assert "Region Midtjylland: 1 kommune · 1 af 3 pladser besat" in upload.initial_comment
    image = Image.open(io.BytesIO(upload.content))
    assert image.format == "PNG" and 950 <= image.size[0] <= 1050
    layout = render_map([], as_of=clock.now().date())
    for code, state in ((AARHUS, MapState.FREE_SEATS), (ODENSE, MapState.NOT_MEMBER)):
        assert pixel(upload.content, layout.pixel_at(*INSIDE[code])) == rgb(MAP_COLOURS[state])


def test_heatmap_themes_and_exports_go_by_dm(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    bot.command(BO, "tilmeld Odense")
    bot.command(
        ADMIN,
        'møde opret 01.12.2026 10:00-12:00 online "Decembermødet" tema=Affald link=https://teams.microsoft.com/l/klimanet',
    )
    answers = {
        text: bot.command(ADMIN, text).args["text"]
        for text in (
            "overblik deltagelse",
            "overblik temaer",
            "eksport medlemmer",
            "eksport deltagelse csv",
        )
    }
    assert "2 medlemskommuner" in answers["overblik deltagelse"]
    assert "Næste møde, #1 Decembermødet" in answers["overblik temaer"]
    assert "klimanet-medlemmer-2026-11-27.xlsx* med 6 rækker" in answers["eksport medlemmer"]
    bot.fake.wait_for("files.completeUploadExternal", count=4)
    uploads = {u.filename: u for u in bot.fake.uploads}
    assert all(u.channel_id == f"D{ADMIN}" for u in uploads.values())
    workbook = load_workbook(io.BytesIO(uploads["klimanet-medlemmer-2026-11-27.xlsx"].content))
    rows = list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "Kommune" and rows[1][3] == "Anna Jensen" and len(rows) == 7
    csv_text = uploads["klimanet-deltagelse-2026-11-27.csv"].content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "Møde;Dato;Kommune;Plads;Pladsholder;Vikar;Svar;Fremmøde"
    for name in ("klimanet-deltagelse-2026-11-27.png", "klimanet-temaer-2026-11-27.png"):
        assert Image.open(io.BytesIO(uploads[name].content)).size[0] == 1000


# -- the App Home ---------------------------------------------------------------------------------


def test_home_is_published_within_a_second(bot: SlackBot) -> None:
    sent = open_home(bot, ANNA)
    [home] = published(bot, ANNA)
    assert home.at - sent < 1.0
    view = home.args["view"]
    assert view["type"] == "home"
    register = [e for e in elements(view) if e.get("action_id") == "home_register"]
    assert register and register[0]["text"]["text"] == "Tilmeld"


def test_the_register_button_opens_the_form(bot: SlackBot) -> None:
    open_home(bot, ANNA)
    view = published(bot, ANNA)[0].args["view"]
    bot.driver.block_action(ANNA, "home_register", "register", view=view)
    opened = bot.fake.wait_for("views.open")[0]
    assert opened.args["trigger_id"] == bot.driver.last_trigger_id
    assert opened.args["view"]["callback_id"] == "register"

    bot.command(ANNA, "tilmeld Aarhus")
    bot.driver.block_action(ANNA, "home_register", "register", view=view)  # a stale Home
    again = bot.fake.wait_for("views.open", count=2)[1]
    assert "allerede tilmeldt" in str(again.args["view"])


def test_facilitator_home_shows_the_map_uploaded_to_their_dm(bot: SlackBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    open_home(bot, ADMIN)
    first, second = published(bot, ADMIN, 2)[:2]
    assert image_files(first.args["view"]) == []  # published at once, the map follows
    [upload] = bot.fake.uploads
    assert upload.channel_id == f"D{ADMIN}" and upload.filename.endswith(".png")
    assert image_files(second.args["view"]) == [upload.file_id]
    assert "1 kommune · 1 af 3 pladser besat" in str(second.args["view"])

    open_home(bot, ADMIN)  # nothing changed: the same file, no new upload
    third = published(bot, ADMIN, 3)[2]
    time.sleep(0.3)
    assert image_files(third.args["view"]) == [upload.file_id] and len(bot.fake.uploads) == 1

    bot.command(BO, "tilmeld Odense")
    open_home(bot, ADMIN)  # changed: a new map, and the Home shows it
    calls = published(bot, ADMIN, 5)
    assert len(bot.fake.uploads) == 2
    assert image_files(calls[4].args["view"]) == [bot.fake.uploads[1].file_id]


def test_a_refused_image_becomes_a_link_to_the_file(bot: SlackBot, fake: FakeSlack) -> None:
    fake.refuse_slack_file_images = True
    open_home(bot, ADMIN)
    calls = published(bot, ADMIN, 2)
    [upload] = fake.uploads
    refused = [c for c in fake.calls("views.publish", ok=False)]
    assert refused and refused[0].error == "invalid_blocks"
    links = [e for e in elements(calls[1].args["view"]) if e.get("url")]
    assert links and upload.file_id in links[0]["url"]
    assert links[0]["action_id"] == "home_open_picture"
    assert image_files(calls[1].args["view"]) == []
    bot.driver.block_action(ADMIN, "home_open_picture", None, view=calls[1].args["view"])


def test_home_buttons_answer_in_a_modal_like_the_messages_do(
    database_url: str, fake: FakeSlack, clock: FixedClock
) -> None:
    with running_bot(database_url, fake, clock, registration="approval") as bot:
        bot.command(ANNA, "tilmeld Aarhus")  # a municipality's first: a facilitator approves
        open_home(bot, ADMIN)
        view = published(bot, ADMIN)[0].args["view"]
        approve = [e for e in elements(view) if e.get("action_id") == "request_approve"]
        assert approve and approve[0]["text"]["text"] == "Godkend"
        bot.driver.block_action(ADMIN, "request_approve", approve[0]["value"], view=view)
        answer = fake.wait_for("views.open")[0]
        assert "Tilmeldingen fra Anna Jensen er godkendt" in str(answer.args["view"])
        assert answer.args["trigger_id"] == bot.driver.last_trigger_id
        home_saying(bot, ADMIN, "Ingen tilmeldinger venter")  # published again at once

        bot.driver.block_action(ADMIN, "request_approve", approve[0]["value"], view=view)
        stale = fake.wait_for("views.open", count=2)[1]
        assert "Tilmeldingen er allerede godkendt" in str(stale.args["view"])

        open_home(bot, ANNA)  # Anna is the coordinator now: her Home has the pickers
        home = published(bot, ANNA)[0].args["view"]
        assert "Du er kommunens kontaktperson" in str(home)


def test_changes_republish_the_homes_through_the_outbox(bot: SlackBot, clock: FixedClock) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    bot.command(BO, "tilmeld Aarhus")
    clock.set(window_end(clock.now()))
    bot.runtime.delivery.drain()
    for user_id in (ANNA, BO, ADMIN):
        home = published(bot, user_id)[0].args["view"]
        assert "Bo Hansen" in str(home) or user_id == ADMIN
    assert bot.fake.uploads == []  # a refresh does not draw or upload a map
    assert "2 af 3 pladser besat" in str(published(bot, ADMIN)[0].args["view"])

    clock.advance(timedelta(minutes=1))
    bot.command(
        ADMIN,
        'møde opret 01.12.2026 10:00-12:00 online "Decembermødet" link=https://teams.microsoft.com/l/klimanet',
    )
    clock.set(window_end(clock.now()))
    bot.runtime.delivery.drain()
    assert "Decembermødet" in str(published(bot, BO, 2)[1].args["view"])
