"""The bot in Socket Mode against a fake Slack: the Web API fake plus a loopback WebSocket server
that delivers envelopes and records the acks."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import texts
from bot.clock import FixedClock
from handlers.slack.blocks import mrkdwn
from tests.support.fake_slack import TEAM_ID, FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.logs import wait_for_message
from tests.support.slackbot import SocketBot, running_socket_bot, seats_held
from tests.support.socket_mode_driver import SocketModeDriver

ANNA, BO = "U0ANNA", "U0BO"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user(ANNA, "Anna Jensen", title="Klimakoordinator")
        fake.add_user(BO, "Bo Hansen")
        yield fake
        fake.assert_no_invalid_payloads()


@pytest.fixture
def socket_mode(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode(fake) as socket_mode:
        yield socket_mode


@pytest.fixture
def bot(
    database_url: str, fake: FakeSlack, socket_mode: FakeSocketMode, clock: FixedClock
) -> Iterator[SocketBot]:
    with running_socket_bot(database_url, fake, socket_mode, clock) as bot:
        yield bot


def test_the_connection_is_opened_through_the_configured_api_url(bot: SocketBot) -> None:
    opened = bot.fake.calls("apps.connections.open")
    assert len(opened) == 1 and opened[0].ok
    assert bot.socket_mode.connections_opened == 1


def test_a_command_is_acked_and_answered(bot: SocketBot) -> None:
    answer = bot.command(ANNA, "tilmeld Aarhus")
    assert answer.ok and answer.args["response_type"] == "ephemeral"
    assert bot.socket_mode.acks(bot.driver.last_envelope_id) == [
        {"envelope_id": bot.driver.last_envelope_id}
    ]
    assert seats_held(bot) == 1


def test_a_redelivered_envelope_is_acked_and_not_acted_on_again(
    bot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot.command(ADMIN_LIKE := ANNA, "tilmeld Aarhus")
    envelope_id = bot.driver.last_envelope_id
    ack = bot.driver.redeliver()
    assert ack.envelope_id == envelope_id and ack.json() == {}
    wait_for_message(caplog, "ignored a redelivered Socket Mode envelope")
    # A later command is acted on; by then the redelivery would have been too.
    bot.command(BO, "hjælp")
    assert len(bot.fake.calls("response_url")) == 2
    assert seats_held(bot) == 1
    assert "allerede tilmeldt" in bot.command(ADMIN_LIKE, "tilmeld").args["text"]


def test_an_event_retried_in_a_new_envelope_is_processed_once(
    bot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    event = {"type": "app_home_opened", "user": ANNA, "channel": "DANNA", "tab": "home"}
    first = bot.driver.event(event, event_id="Ev0SOCKET")
    retry = bot.driver.event(event, event_id="Ev0SOCKET", retry_num=1)
    assert first.envelope_id != retry.envelope_id
    wait_for_message(caplog, "ignored a repeated event")
    bot.driver.event(event, event_id="Ev0SOCKET2")
    bot.fake.wait_for("views.publish", count=2)
    assert len(bot.fake.calls("views.publish")) == 2


def test_another_workspace_is_refused_in_the_ack(bot: SocketBot) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    other = SocketModeDriver(bot.socket_mode, bot.fake, team_id="T0OTHER")
    ack = other.command(ANNA, "tilmeld Aarhus")
    assert ack.json() == {"response_type": "ephemeral", "text": mrkdwn(texts.edge.OTHER_WORKSPACE)}
    assert seats_held(bot) == 1
    assert len(bot.fake.calls("response_url")) == 1


def test_a_malformed_envelope_is_acked_with_one_log_line(
    bot: SocketBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    envelope_id = bot.socket_mode.deliver(
        "slash_commands", {"command": "/klimanet", "text": "tilmeld Aarhus", "team_id": TEAM_ID}
    )
    assert bot.socket_mode.wait_for_ack(envelope_id) == [{"envelope_id": envelope_id}]
    edge = [r for r in caplog.records if r.name == "klimanet.edge"]
    assert [r.getMessage() for r in edge] == [
        "refused a malformed Socket Mode envelope: the slash command has no user_id"
    ]
    assert not any(r.exc_info for r in caplog.records)
    assert seats_held(bot) == 0


def test_a_connection_that_dies_without_a_close_frame_is_replaced_within_15_seconds(
    bot: SocketBot, capsys: pytest.CaptureFixture[str]
) -> None:
    bot.command(ANNA, "tilmeld Aarhus")
    bot.socket_mode.drop()  # no close frame, no FIN: the server just goes silent, as on a dead path
    waited = bot.socket_mode.wait_opened(2, timeout=15)
    with capsys.disabled():
        print(f"\n[socket mode] a new connection {waited:.1f} s after the drop")
    assert len(bot.fake.calls("apps.connections.open")) == 2
    answer = bot.command(BO, "tilmeld Aarhus")  # acked and answered on the new connection
    assert "Du er tilmeldt" in answer.args["text"]
    assert bot.socket_mode.acks(bot.driver.last_envelope_id) == [
        {"envelope_id": bot.driver.last_envelope_id}
    ]
    assert seats_held(bot) == 2


def test_refresh_requested_moves_to_a_new_connection(bot: SocketBot) -> None:
    bot.socket_mode.request_refresh()
    assert bot.socket_mode.wait_opened(2, timeout=10) < 10
    answer = bot.command(ANNA, "tilmeld Aarhus")
    assert "Du er tilmeldt" in answer.args["text"]
    assert bot.socket_mode.acks(bot.driver.last_envelope_id) == [
        {"envelope_id": bot.driver.last_envelope_id}
    ]
