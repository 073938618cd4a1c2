"""The Web API and response_url clients on kept-alive connections (``handlers.slack.transport``):
one connection per thread and host while the server keeps it, and towards slack_sdk's retry
handlers the same errors as ``urlopen``."""

from __future__ import annotations

import socket
import threading
from http.client import RemoteDisconnected
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request

import pytest
from slack_sdk.errors import SlackRequestError

from handlers.slack.client import make_delivery_client, make_web_client, respond
from handlers.slack.transport import KeptAlive, KeptAliveWebClient
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def slack() -> FakeSlack:
    with FakeSlack() as fake:
        fake.add_user("U0ANNA", "Anna Jensen", title="Klimakonsulent")
        yield fake


def client(slack: FakeSlack, connections: KeptAlive) -> KeptAliveWebClient:
    return KeptAliveWebClient(
        token="xoxb-test", base_url=slack.base_url, timeout=5, connections=connections
    )


def test_calls_of_one_thread_share_one_connection(slack: FakeSlack) -> None:
    web = client(slack, KeptAlive())
    for _ in range(5):
        assert web.users_info(user="U0ANNA")["user"]["real_name"] == "Anna Jensen"
    assert slack.stats["connections"] == 1
    assert len(slack.calls("users.info")) == 5


def test_each_thread_has_its_own_connection(slack: FakeSlack) -> None:
    web = client(slack, KeptAlive())
    threads = [
        threading.Thread(target=lambda: [web.users_info(user="U0ANNA") for _ in range(3)])
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slack.calls("users.info")) == 9
    assert slack.stats["connections"] == 3


def test_a_connection_the_server_closed_is_replaced_before_it_is_used(slack: FakeSlack) -> None:
    web = client(slack, KeptAlive())
    web.users_info(user="U0ANNA")
    slack.close_connections()  # as Slack closes a connection that was idle too long
    assert web.users_info(user="U0ANNA")["ok"] is True
    assert slack.stats["connections"] == 2
    assert [call.ok for call in slack.calls("users.info")] == [True, True]


def test_a_thread_lets_go_of_a_connection_its_server_closed_when_it_connects_elsewhere() -> None:
    connections = KeptAlive()
    with FakeSlack() as first:
        first.add_user("U0ANNA", "Anna Jensen")
        client(first, connections).users_info(user="U0ANNA")
        first_port = urlsplit(first.base_url).port
        assert [port for _, _, port in connections.held()] == [first_port]
    # The first server has stopped and closed its side; this thread never calls it again.
    with FakeSlack() as second:
        second.add_user("U0ANNA", "Anna Jensen")
        client(second, connections).users_info(user="U0ANNA")
        assert [port for _, _, port in connections.held()] == [urlsplit(second.base_url).port]


def test_connections_to_servers_that_keep_them_are_kept_beside_a_new_one(
    slack: FakeSlack,
) -> None:
    connections = KeptAlive()
    client(slack, connections).users_info(user="U0ANNA")
    with FakeSlack() as other:
        other.add_user("U0ANNA", "Anna Jensen")
        client(other, connections).users_info(user="U0ANNA")
        ports = {port for _, _, port in connections.held()}
        assert ports == {urlsplit(slack.base_url).port, urlsplit(other.base_url).port}
    client(slack, connections).users_info(user="U0ANNA")
    assert slack.stats["connections"] == 1


def test_response_url_answers_reuse_the_connection(slack: FakeSlack) -> None:
    for _ in range(3):
        assert respond(slack.mint_response_url(), {"text": "Du er tilmeldt"}) is True
    assert len(slack.calls("response_url")) == 3
    # The process's shared connections: at most this test's one (another test's is closed).
    assert slack.stats["connections"] == 1


def test_a_refused_connection_is_a_urlerror_as_with_urlopen() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    request = Request(f"http://127.0.0.1:{port}/api/users.info", data=b"user=U0ANNA")
    with pytest.raises(URLError):
        KeptAlive().open(request, timeout=2)


def test_a_url_that_is_not_http_is_refused_and_not_retried(slack: FakeSlack) -> None:
    assert respond("file:///etc/passwd", {"text": "Du er tilmeldt"}) is False
    with pytest.raises(SlackRequestError):
        KeptAlive().open(Request("ftp://example.org/x", data=b""), timeout=2)


def test_a_rate_limit_and_a_server_error_reach_the_retry_handlers(slack: FakeSlack) -> None:
    slack.fail_next("users.info", "ratelimited", retry_after=0)
    slack.fail_next("users.info", "server_error")
    web = make_web_client("xoxb-test", slack.base_url)
    assert web.users_info(user="U0ANNA")["ok"] is True
    assert [call.ok for call in slack.calls("users.info")] == [False, False, True]
    slack.fail_next("response_url", "server_error")
    assert respond(slack.mint_response_url(), {"text": "Du er tilmeldt"}) is True
    assert [call.ok for call in slack.calls("response_url")] == [False, True]


def test_a_post_whose_answer_was_lost_is_not_sent_again_by_delivery(slack: FakeSlack) -> None:
    """Slack acted on it and the connection closed without an answer: not a URLError, so the
    delivery client does not repeat it (delivery looks for the post first)."""
    slack.fail_next("chat.postMessage", "kept_disconnect")
    delivery = make_delivery_client("xoxb-test", slack.base_url)
    with pytest.raises((RemoteDisconnected, ConnectionError)) as raised:
        delivery.chat_postMessage(channel="C0KLIMA", text="Påmindelse")
    assert not isinstance(raised.value, URLError)
    assert len(slack.calls("chat.postMessage")) == 1
