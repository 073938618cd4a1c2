"""``klimanet run`` as a process, as the outside checks run it: in Socket Mode against the fake
(SLACK_API_BASE_URL serves apps.connections.open, the WebSocket is plain ws:// on loopback) and
in HTTP mode behind waitress, whose own body cap is the edge's."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from handlers.slack.app import http_server
from handlers.slack.edge import MAX_BODY_BYTES
from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.slack_driver import SlackDriver
from tests.support.slackbot import SIGNING_SECRET
from tests.support.socket_mode_driver import SocketModeDriver

ROOT = Path(__file__).resolve().parent.parent
ANNA = "U0ANNA"


@contextmanager
def klimanet_run(
    tmp_path: Path, env: dict[str, str], *args: str
) -> Iterator[subprocess.Popen[str]]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KLIMANET_"))},
        "PYTHONPATH": str(ROOT),
        "KLIMANET_REGISTRATION": "open",
        **env,
    }
    log = (tmp_path / "klimanet.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *args],
        cwd=tmp_path,  # no .env of the developer's
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_socket_mode_process_uses_the_configured_api_and_plain_ws(
    tmp_path: Path, database_url: str
) -> None:
    with FakeSlack() as fake, FakeSocketMode(fake) as socket_mode:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": "xapp-1-A0KLIMA-1-test",
            "SLACK_API_BASE_URL": fake.base_url,
            "DATABASE_URL": database_url,
        }
        with klimanet_run(tmp_path, env) as process:
            try:
                socket_mode.wait_connected(timeout=60)
            except AssertionError:
                raise AssertionError((tmp_path / "klimanet.log").read_text()) from None
            assert fake.calls("apps.connections.open")
            driver = SocketModeDriver(socket_mode, fake)
            driver.command(ANNA, "tilmeld Aarhus")
            answer = fake.wait_for("response_url", timeout=15)[0]
            assert "Du er tilmeldt" in answer.args["text"]
            driver.redeliver()
            driver.command(ANNA, "tilmeld")  # acted on after the redelivery was acked
            later = fake.wait_for("response_url", count=2, timeout=15)[1]
            assert "allerede tilmeldt" in later.args["text"]
            assert len(fake.calls("response_url")) == 2
            assert process.poll() is None
            socket_mode.hang_up()


def test_http_process_caps_bodies_and_refuses_replays(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_BASE_URL": fake.base_url,
            "DATABASE_URL": database_url,
        }
        with klimanet_run(tmp_path, env, "--http", "--host", "127.0.0.1", "--port", str(port)):
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:  # waiting for the process to listen, not an assertion
                try:
                    if requests.get(base + "/health", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "klimanet.log").read_text())
                time.sleep(0.2)

            big = requests.post(base + "/slack/events", data=b"Z" * (10 * 1024 * 1024), timeout=30)
            assert big.status_code == 413

            with SlackDriver(base + "/slack/events", SIGNING_SECRET, fake) as driver:
                first = driver.command(ANNA, "tilmeld Aarhus")
                assert first.status_code == 200
                assert requests.Session().send(first.request, timeout=10).status_code == 200
                assert driver.command(ANNA, "hjælp").status_code == 200
                answers = fake.wait_for("response_url", count=2, timeout=15)
                assert "Du er tilmeldt" in answers[0].args["text"] + answers[1].args["text"]
                assert len(fake.calls("response_url")) == 2
        log = (tmp_path / "klimanet.log").read_text()
        assert "ZZZZ" not in log
        assert "ignored a replayed request" in log
        # A start says what matters, without Alembic's plugin list or Bolt's token remark.
        assert "setup plugin" not in log and "will be unused" not in log


def test_waitress_refuses_bodies_over_the_edge_cap_itself() -> None:
    server = http_server(lambda environ, start_response: [], "127.0.0.1", 0)
    try:
        assert server.adj.max_request_body_size == MAX_BODY_BYTES == 1024 * 1024
    finally:
        server.close()


def test_socket_mode_process_reports_health_and_metrics_and_stops_on_sigterm(
    tmp_path: Path, database_url: str
) -> None:
    port = free_port()
    with FakeSlack() as fake, FakeSocketMode(fake) as socket_mode:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_APP_TOKEN": "xapp-1-A0KLIMA-1-test",
            "SLACK_API_BASE_URL": fake.base_url,
            "DATABASE_URL": database_url,
        }
        with klimanet_run(tmp_path, env, "--health-port", str(port)) as process:
            socket_mode.wait_connected(timeout=60)
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:  # the ops port comes up right after the connection
                try:
                    health = requests.get(base + "/health", timeout=2)
                    break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        raise AssertionError((tmp_path / "klimanet.log").read_text()) from None
                    time.sleep(0.2)
            assert health.status_code == 200, health.text
            report = health.json()
            assert report["database"] is True and report["socket_mode_connected"] is True
            assert report["delivery_last_tick_seconds"] < 5
            metrics = requests.get(base + "/metrics", timeout=5)
            assert metrics.status_code == 200
            assert 'klimanet_outbox_rows{state="pending"}' in metrics.text

            socket_mode.hang_up()  # Slack unreachable: the bot cannot reconnect
            deadline = time.monotonic() + 20
            while requests.get(base + "/health", timeout=5).status_code != 503:
                assert time.monotonic() < deadline, "health stayed 200 without a connection"
                time.sleep(0.5)
            assert (
                requests.get(base + "/health", timeout=5).json()["socket_mode_connected"] is False
            )

            started = time.monotonic()
            process.terminate()
            assert process.wait(timeout=30) == 0
            assert time.monotonic() - started < 25
