"""SlackDriver against a tiny real Bolt app served over HTTP by waitress, replying to FakeSlack."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from tests.support.fake_slack import FakeSlack
from tests.support.http_server import serve_wsgi
from tests.support.slack_driver import (
    SlackDriver,
    state_value_from_view,
    state_value_plain,
    state_value_static,
)

SIGNING_SECRET = "test-signing-secret"

MODAL = {
    "type": "modal",
    "callback_id": "register",
    "private_metadata": "meeting=42",
    "title": {"type": "plain_text", "text": "Tilmeld"},
    "submit": {"type": "plain_text", "text": "Tilmeld"},
    "blocks": [
        {
            "type": "input",
            "block_id": "municipality",
            "label": {"type": "plain_text", "text": "Kommune"},
            "element": {
                "type": "static_select",
                "action_id": "choice",
                "options": [
                    {"text": {"type": "plain_text", "text": "Aarhus"}, "value": "751"},
                    {"text": {"type": "plain_text", "text": "Odense"}, "value": "461"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "theme",
            "optional": True,
            "label": {"type": "plain_text", "text": "Fagområde"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
    ],
}

CONFIRM_BLOCKS = [
    {
        "type": "actions",
        "block_id": "attendance",
        "elements": [
            {
                "type": "button",
                "action_id": "confirm",
                "text": {"type": "plain_text", "text": "Jeg kommer"},
                "value": "meeting=42",
                "style": "primary",
            }
        ],
    }
]


@dataclass
class Bot:
    driver: SlackDriver
    fake: FakeSlack
    received: queue.Queue[tuple[str, dict[str, Any]]]
    url: str

    def next(self, kind: str) -> dict[str, Any]:
        got_kind, body = self.received.get(timeout=5)
        assert got_kind == kind
        return body


def build_app(fake: FakeSlack, received: queue.Queue[tuple[str, dict[str, Any]]]) -> App:
    # Only client= (it carries the token): passing token= too makes Bolt log a warning.
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(base_url=fake.base_url, token="xoxb-test"),
    )

    @app.command("/klimanet")
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if body["text"] == "tilmeld":
            # Open the modal first: the trigger_id is only valid for 3 seconds.
            client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        received.put(("command", body))

    @app.action("confirm")
    def on_confirm(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        respond(text="Tak, du er tilmeldt mødet", replace_original=False)
        client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text="Bekræftet"
        )
        received.put(("action", body))

    @app.action("choice")
    def on_choice(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        received.put(("choice", body))

    @app.view("register")
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        choice = view["state"]["values"]["municipality"]["choice"]["selected_option"]
        if choice["value"] == "000":
            ack(response_action="errors", errors={"municipality": "Ukendt kommune"})
            return
        ack()
        received.put(("view", body))

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], request: BoltRequest, client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Netværket"}}],
            },
        )
        received.put(("event", {"event": event, "headers": request.headers}))

    return app


@pytest.fixture
def bot() -> Iterator[Bot]:
    received: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
    with FakeSlack() as fake:
        fake.add_user("U1", "Anna Jensen", title="Klimakoordinator")
        app = build_app(fake, received)
        with serve_wsgi(app) as base_url:
            url = base_url + "/slack/events"
            with SlackDriver(url, SIGNING_SECRET, fake=fake) as driver:
                yield Bot(driver, fake, received, url)
        fake.assert_no_invalid_payloads()


def test_signed_command_reaches_the_listener_and_is_acked(bot: Bot) -> None:
    response = bot.driver.command("U1", "status")

    assert response.status_code == 200
    body = bot.next("command")
    assert (body["command"], body["text"], body["user_id"]) == ("/klimanet", "status", "U1")
    assert body["user_name"] == "anna.jensen"
    assert body["team_id"] == "T0001" and body["channel_id"] == "C0NET"
    assert body["response_url"] == bot.driver.last_response_url
    # Bolt verified its token against the fake at start-up.
    assert bot.fake.calls("auth.test", ok=True)


def test_command_trigger_id_opens_a_modal_on_the_fake(bot: Bot) -> None:
    assert bot.driver.command("U1", "tilmeld").status_code == 200
    bot.next("command")

    [call] = bot.fake.calls("views.open")
    assert call.ok, call.error
    assert call.args["trigger_id"] == bot.driver.last_trigger_id
    assert call.args["view"]["callback_id"] == "register"


def test_wrong_signature_is_rejected(bot: Bot) -> None:
    response = bot.driver.command("U1", "status", signature="v0=" + "0" * 64)
    assert response.status_code == 401
    assert bot.received.empty()


def test_timestamp_older_than_five_minutes_is_rejected(bot: Bot) -> None:
    # The signature itself is correct; only the replay window is exceeded.
    response = bot.driver.command("U1", "status", timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    assert bot.received.empty()


def test_unsigned_request_is_rejected(bot: Bot) -> None:
    response = requests.post(bot.url, data={"command": "/klimanet", "text": "x"}, timeout=5)
    assert response.status_code == 401


def test_block_action_reaches_the_listener_with_a_usable_response_url(bot: Bot) -> None:
    client = WebClient(token="xoxb-test", base_url=bot.fake.base_url)
    posted = client.chat_postMessage(channel="C0NET", text="Kommer du?", blocks=CONFIRM_BLOCKS)

    # block_id left at its default: the driver takes the real one from the message.
    response = bot.driver.block_action("U1", "confirm", "meeting=42", message=posted["message"])

    assert response.status_code == 200
    body = bot.next("action")
    [action] = body["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "confirm",
        "attendance",
        "meeting=42",
    )
    assert action["text"]["text"] == "Jeg kommer"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0NET",
        "is_ephemeral": False,
    }
    [reply] = bot.fake.calls("response_url")
    assert reply.ok and reply.args["text"] == "Tak, du er tilmeldt mødet"
    assert bot.fake.messages("C0NET")[0]["text"] == "Bekræftet"


def test_select_in_a_modal_sends_the_real_option_and_a_view_container(bot: Bot) -> None:
    bot.driver.command("U1", "tilmeld")
    bot.next("command")
    opened = bot.fake.calls("views.open")[0].args["view"]

    response = bot.driver.block_action(
        "U1", "choice", "461", view=opened, action_type="static_select"
    )

    assert response.status_code == 200
    body = bot.next("choice")
    [action] = body["actions"]
    assert action["block_id"] == "municipality"
    assert action["selected_option"] == {
        "text": {"type": "plain_text", "text": "Odense"},
        "value": "461",
    }
    assert body["container"] == {"type": "view", "view_id": bot.fake.views()[0]["id"]}
    assert "response_url" not in body  # Slack gives none for actions in views
    assert body["view"]["callback_id"] == "register"


def test_view_submission_reaches_the_listener(bot: Bot) -> None:
    bot.driver.command("U1", "tilmeld")
    bot.next("command")
    opened = bot.fake.calls("views.open")[0].args["view"]

    response = bot.driver.view_submission(
        "U1",
        opened,
        {
            "municipality": {"choice": state_value_from_view(opened, "municipality", "751")},
            "theme": {"value": state_value_plain("Klimatilpasning")},
        },
    )

    assert response.status_code == 200
    body = bot.next("view")
    view = body["view"]
    assert view["id"] == bot.fake.views()[0]["id"]
    assert view["private_metadata"] == "meeting=42"
    values = view["state"]["values"]
    assert values["municipality"]["choice"]["selected_option"]["text"]["text"] == "Aarhus"
    assert values["theme"]["value"]["value"] == "Klimatilpasning"


def test_view_submission_errors_come_back_in_the_ack(bot: Bot) -> None:
    response = bot.driver.view_submission(
        "U1", MODAL, {"municipality": {"choice": state_value_static("000", "Ukendt")}}
    )
    assert response.status_code == 200
    assert response.json() == {
        "response_action": "errors",
        "errors": {"municipality": "Ukendt kommune"},
    }


def test_event_and_retry_headers_reach_the_listener(bot: Bot) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"}
    response = bot.driver.event(event, event_id="Ev0001", retry_num=1)

    assert response.status_code == 200
    got = bot.next("event")
    assert got["event"]["user"] == "U1"
    assert got["headers"]["x-slack-retry-num"] == ["1"]
    assert got["headers"]["x-slack-retry-reason"] == ["http_timeout"]
    assert bot.fake.wait_for("views.publish")[0].ok


def test_serve_wsgi_releases_the_port() -> None:
    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hej"]

    with serve_wsgi(hello) as base_url:
        assert requests.get(base_url, timeout=5).text == "hej"
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url, timeout=1)
