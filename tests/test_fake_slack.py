"""FakeSlack driven by a real slack_sdk WebClient, as the bot will use it."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.support.fake_slack import FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Møde* i netværket"}}
MODAL = {
    "type": "modal",
    "callback_id": "register",
    "private_metadata": "meeting=42",
    "title": {"type": "plain_text", "text": "Tilmeld"},
    "blocks": [SECTION],
}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.base_url, timeout=5)


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value


# -- messages -----------------------------------------------------------------------------------------


def test_post_message_is_recorded_and_answered_like_slack(
    slack: FakeSlack, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0NET", text="Dagsorden", blocks=[SECTION])
    second = client.chat_postMessage(channel="U123", text="Påmindelse")

    assert first["ok"] and first["channel"] == "C0NET"
    # Slack's "seconds.micros" ts, from the fake's clock (the wall clock unless a test sets one).
    assert abs(float(first["ts"]) - time.time()) < 60 and len(first["ts"].split(".")[1]) == 6
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == [SECTION]
    assert second["channel"] == "DU123"  # a user ID posts in the app's DM
    assert float(second["ts"]) > float(first["ts"])

    calls = slack.calls("chat.postMessage")
    assert [c.args["text"] for c in calls] == ["Dagsorden", "Påmindelse"]
    assert calls[0].args["blocks"] == [SECTION]
    assert calls[0].at <= calls[1].at
    assert [m["text"] for m in slack.messages()] == ["Dagsorden", "Påmindelse"]
    assert slack.invalid_payloads == []


def test_invalid_blocks_are_refused_and_recorded(slack: FakeSlack, client: WebClient) -> None:
    with pytest.warns(UserWarning, match="`text` argument is missing"):
        error = api_error(lambda: client.chat_postMessage(channel="C0NET", blocks=[SECTION]))

    assert error.response["error"] == "invalid_blocks"
    assert "text fallback" in error.response["detail"]
    [invalid] = slack.invalid_payloads
    assert invalid.method == "chat.postMessage"
    assert "text fallback" in invalid.detail
    assert slack.messages() == []
    with pytest.raises(AssertionError, match="the bot sent invalid payloads"):
        slack.assert_no_invalid_payloads()


def test_form_encoded_blocks_are_decoded(slack: FakeSlack, client: WebClient) -> None:
    # Some callers (and older code) send blocks as a JSON string in a form body.
    client.api_call(
        "chat.postMessage",
        params={"channel": "C0NET", "text": "hej", "blocks": json.dumps([SECTION])},
    )
    [call] = slack.calls("chat.postMessage")
    assert call.encoding == "form"
    assert call.args["blocks"] == [SECTION]


def test_slack_sdk_request_encoding(slack: FakeSlack, client: WebClient) -> None:
    """What slack_sdk 3.48 actually sends: chat.* and views.* as JSON, the rest as a form."""
    slack.add_user("U1", "Anna Jensen")
    client.auth_test()
    posted = client.chat_postMessage(channel="C0NET", text="a")
    client.chat_update(channel="C0NET", ts=posted["ts"], text="b")
    client.chat_postEphemeral(channel="C0NET", user="U1", text="c")
    client.chat_delete(channel="C0NET", ts=posted["ts"])
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [SECTION]})
    client.users_info(user="U1")
    client.conversations_open(users=["U1"])

    encodings = {call.method: call.encoding for call in slack.calls()}
    assert encodings == {
        "auth.test": "none",
        "chat.postMessage": "json",
        "chat.update": "json",
        "chat.postEphemeral": "json",
        "chat.delete": "form",
        "views.publish": "json",
        "users.info": "form",
        "conversations.open": "form",
    }


def test_update_and_delete_need_an_existing_message(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0NET", text="Møde torsdag")
    updated = client.chat_update(
        channel="C0NET", ts=posted["ts"], text="Møde flyttet", blocks=[SECTION]
    )
    assert updated["ts"] == posted["ts"]
    assert slack.messages("C0NET")[0]["text"] == "Møde flyttet"

    missing = api_error(lambda: client.chat_update(channel="C0NET", ts="1.000001", text="x"))
    assert missing.response["error"] == "message_not_found"

    client.chat_delete(channel="C0NET", ts=posted["ts"])
    assert slack.messages() == []


def test_post_ephemeral_is_validated(slack: FakeSlack, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel="C0NET", user="U1", text="Kun til dig")
    assert answer["message_ts"]
    with pytest.warns(UserWarning, match="`text` argument is missing"):
        error = api_error(
            lambda: client.chat_postEphemeral(channel="C0NET", user="U1", blocks=[SECTION])
        )
    assert error.response["error"] == "invalid_blocks"
    assert [p.method for p in slack.invalid_payloads] == ["chat.postEphemeral"]


def test_requires_a_bot_token_and_known_method(slack: FakeSlack) -> None:
    for token in (None, "xoxp-user-token"):
        anonymous = WebClient(token=token, base_url=slack.base_url)
        error = api_error(lambda c=anonymous: c.chat_postMessage(channel="C1", text="x"))
        assert error.response["error"] == "not_authed"
    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    assert api_error(lambda: client.api_call("no.such")).response["error"] == "unknown_method"


def test_a_request_the_fake_cannot_handle_is_answered_not_dropped(
    slack: FakeSlack, client: WebClient
) -> None:
    bad_length = {"filename": "a.csv", "length": "not a number"}
    error = api_error(lambda: client.api_call("files.getUploadURLExternal", params=bad_length))
    assert error.response.status_code == 500
    assert error.response["error"] == "fake_slack_error"
    assert slack.stats["fake_errors"] == 1


# -- users and conversations --------------------------------------------------------------------------


def test_users_info_and_conversations_open(slack: FakeSlack, client: WebClient) -> None:
    slack.add_user("U1", "Anna Jensen", title="Klimakoordinator", display_name="anna")
    slack.add_user("U2", "Bo Hansen", deleted=True)

    user = client.users_info(user="U1")["user"]
    assert user["real_name"] == "Anna Jensen"
    assert user["profile"] == {
        **user["profile"],
        "real_name": "Anna Jensen",
        "display_name": "anna",
        "title": "Klimakoordinator",
    }
    assert client.users_info(user="U2")["user"]["deleted"] is True
    assert api_error(lambda: client.users_info(user="U9")).response["error"] == "user_not_found"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"


# -- views and trigger_id -----------------------------------------------------------------------------


def test_views_open_needs_a_fresh_unused_trigger(slack: FakeSlack, client: WebClient) -> None:
    trigger_id = slack.mint_trigger_id()
    opened = client.views_open(trigger_id=trigger_id, view=MODAL)
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["callback_id"] == "register" and view["private_metadata"] == "meeting=42"
    stored = slack.find_view(slack.calls("views.open")[0].args["view"])
    assert stored is not None and stored["id"] == view["id"]

    reused = api_error(lambda: client.views_open(trigger_id=trigger_id, view=MODAL))
    assert reused.response["error"] == "exchanged_trigger_id"
    unknown = api_error(lambda: client.views_open(trigger_id="1.2.never-minted", view=MODAL))
    assert unknown.response["error"] == "invalid_trigger_id"

    slack.trigger_ttl = 0.05  # stands in for Slack's 3 s without a 3 s sleep
    late = slack.mint_trigger_id()
    time.sleep(0.1)
    expired = api_error(lambda: client.views_open(trigger_id=late, view=MODAL))
    assert expired.response["error"] == "expired_trigger_id"


def test_invalid_view_is_refused_without_spending_the_trigger(
    slack: FakeSlack, client: WebClient
) -> None:
    trigger_id = slack.mint_trigger_id()
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "Tilmelding til netværket nu"}}
    error = api_error(lambda: client.views_open(trigger_id=trigger_id, view=too_long))
    assert error.response["error"] == "invalid_blocks"
    assert "view.title.text" in error.response["detail"]
    assert [p.method for p in slack.invalid_payloads] == ["views.open"]
    assert client.views_open(trigger_id=trigger_id, view=MODAL)["ok"]


def test_views_push_update_and_publish(slack: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.mint_trigger_id(), view=MODAL)["view"]
    pushed = client.views_push(trigger_id=slack.mint_trigger_id(), view=MODAL)["view"]
    assert pushed["id"] != opened["id"]

    changed = {**MODAL, "private_metadata": "meeting=43"}
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]
    assert updated["id"] == opened["id"]
    assert updated["private_metadata"] == "meeting=43"
    stale = api_error(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    )
    assert stale.response["error"] == "hash_conflict"
    missing = api_error(lambda: client.views_update(view_id="V404", view=MODAL))
    assert missing.response["error"] == "not_found"

    home = {"type": "home", "blocks": [SECTION]}
    first = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert first["id"] == again["id"]  # one Home tab per user
    refused = api_error(lambda: client.views_publish(user_id="U1", view=MODAL))
    assert refused.response["error"] == "invalid_blocks"


# -- faults and rate limits ---------------------------------------------------------------------------


def test_ratelimited_fault_surfaces_without_a_retry_handler(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fail_next("chat.postMessage", "ratelimited", retry_after=7)
    error = api_error(lambda: client.chat_postMessage(channel="C0NET", text="x"))

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert slack.stats["ratelimited"] == 1
    [call] = slack.calls("chat.postMessage")
    assert (call.ok, call.status, call.error) == (False, 429, "ratelimited")


def test_ratelimited_fault_is_retried_after_retry_after(slack: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=slack.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", "ratelimited", retry_after=1)

    started = time.monotonic()
    answer = client.chat_postMessage(channel="C0NET", text="Påmindelse")

    assert answer["ok"]
    failed, succeeded = slack.calls("chat.postMessage")
    assert (failed.status, succeeded.status) == (429, 200)
    assert succeeded.at - failed.at >= 1.0  # the client honoured Retry-After
    assert time.monotonic() - started < 5
    assert len(slack.calls("chat.postMessage", ok=True)) == 1
    assert len(slack.messages()) == 1


def test_server_error_and_slack_error_faults(slack: FakeSlack, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", "server_error")
    slack.fail_next("chat.postMessage", "channel_not_found", times=2)

    server = api_error(lambda: client.chat_postMessage(channel="C0NET", text="x"))
    assert server.response.status_code == 500
    for _ in range(2):
        slack_error = api_error(lambda: client.chat_postMessage(channel="C0NET", text="x"))
        assert slack_error.response.status_code == 200
        assert slack_error.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0NET", text="x")["ok"]
    assert slack.stats["server_error"] == 1 and slack.stats["injected_errors"] == 2


def test_per_channel_rate_limit(slack: FakeSlack, client: WebClient) -> None:
    slack.rate_limit_per_channel = 1.0
    assert client.chat_postMessage(channel="C1", text="første")["ok"]
    assert client.chat_postMessage(channel="C2", text="anden kanal")["ok"]

    error = api_error(lambda: client.chat_postMessage(channel="C1", text="for hurtigt"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "1"
    assert slack.stats["ratelimited"] == 1
    assert len(slack.messages("C1")) == 1


# -- response_url -------------------------------------------------------------------------------------


def test_response_url_allows_five_uses(slack: FakeSlack) -> None:
    url = slack.mint_response_url()
    assert url.startswith(slack.root_url + "response/")
    webhook = WebhookClient(url, timeout=5)

    for number in range(5):
        answer = webhook.send(text=f"svar {number}", blocks=[SECTION], replace_original=False)
        assert answer.status_code == 200, answer.body
    sixth = webhook.send(text="én for meget")

    assert sixth.status_code == 404
    assert json.loads(sixth.body)["error"] == "used_url"
    calls = slack.calls("response_url")
    assert len(calls) == 6 and [c.ok for c in calls] == [True] * 5 + [False]
    assert calls[0].args["url_id"] == url.rsplit("/", 1)[1]
    assert calls[0].args["text"] == "svar 0"


def test_response_url_validates_and_expires(slack: FakeSlack) -> None:
    webhook = WebhookClient(slack.mint_response_url(), timeout=5)
    invalid = webhook.send(blocks=[SECTION])  # no text fallback
    assert invalid.status_code == 400
    assert [p.method for p in slack.invalid_payloads] == ["response_url"]
    assert webhook.send(text="ok", delete_original=True).status_code == 200

    slack.response_url_ttl = 0.05  # stands in for 30 minutes
    late = WebhookClient(slack.mint_response_url(), timeout=5)
    time.sleep(0.1)
    assert late.send(text="for sent").status_code == 404


# -- files --------------------------------------------------------------------------------------------


def test_files_upload_v2_round_trips_the_bytes(slack: FakeSlack, client: WebClient) -> None:
    content = "kommune;plads\nAarhus;fast\nOdense;fleksibel\n"
    answer = client.files_upload_v2(
        channel="C0NET",
        content=content,
        filename="deltagere.csv",
        initial_comment="Deltagerliste",
    )

    assert answer["file"]["name"] == "deltagere.csv"
    [upload] = slack.uploads
    assert upload.content == content.encode("utf-8")
    assert upload.filename == "deltagere.csv"
    assert upload.channel_id == "C0NET"
    assert upload.initial_comment == "Deltagerliste"
    assert [c.method for c in slack.calls()] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


# -- test helpers -------------------------------------------------------------------------------------


def test_wait_for_sees_calls_from_other_threads(slack: FakeSlack, client: WebClient) -> None:
    def post_later() -> None:
        time.sleep(0.05)
        client.chat_postMessage(channel="C0NET", text="senere")

    worker = threading.Thread(target=post_later)
    worker.start()
    [call] = slack.wait_for("chat.postMessage", timeout=2)
    worker.join()
    assert call.args["text"] == "senere"

    with pytest.raises(AssertionError, match="waited 0.05s for 2 chat.postMessage"):
        slack.wait_for("chat.postMessage", count=2, timeout=0.05)


def test_reset_forgets_recordings_but_keeps_the_workspace(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.add_user("U1", "Anna Jensen")
    client.chat_postMessage(channel="C0NET", text="x")
    slack.fail_next("auth.test", "ratelimited")

    slack.reset()

    assert slack.calls() == [] and slack.stats["ratelimited"] == 0
    assert client.auth_test()["ok"]  # the pending fault is gone
    assert client.users_info(user="U1")["ok"]
    assert len(slack.messages()) == 1


def test_stop_closes_the_port() -> None:
    fake = FakeSlack().start()
    url = fake.base_url + "auth.test"
    fake.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=1)
