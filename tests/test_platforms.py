"""Where a platform plugs in: the composition root's table picks the platform from the settings,
each platform checks its own settings, and a built platform runs, reports its health and stops."""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from bot import runtime
from bot.clock import OffsetClock
from bot.config import ConfigError, Settings
from bot.platform import RunOptions
from handlers.console.app import CONSOLE_CHANNEL, ConsolePlatform
from handlers.slack.settings import SlackSettings

SLACK_ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def test_the_table_lists_each_platform_once_and_the_console_last() -> None:
    names = [kind.name for kind in runtime.PLATFORMS]
    assert names == ["slack", "teams", "console"]
    assert len(set(names)) == len(names)


def test_slack_credentials_pick_slack_and_none_pick_the_console() -> None:
    with_slack = runtime.platform_settings(SLACK_ENV)
    assert runtime.choose(with_slack, wanted=None, http=False).name == "slack"
    assert runtime.choose(with_slack, wanted=None, http=True).name == "slack"
    assert runtime.choose(with_slack, wanted="console", http=False).name == "console"
    assert with_slack["slack"] == SlackSettings("xoxb-1", "s", None, "https://slack.com/api/")
    without = runtime.platform_settings({})
    assert "slack" not in without
    assert runtime.choose(without, wanted=None, http=False).name == "console"


def test_http_without_an_http_platform_names_what_is_missing() -> None:
    with pytest.raises(
        ConfigError, match="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET or TEAMS_APP_ID"
    ):
        runtime.choose(runtime.platform_settings({}), wanted=None, http=True)


GUID = "8f0c3c1e-5b7a-4d3e-9c1a-2b6f0e9d4a11"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "not-a-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        # Checked even without a bot token: a typo is said at once, not when Slack is switched on.
        ({"SLACK_API_BASE_URL": "slack"}, "SLACK_API_BASE_URL"),
        # The core's ids, in Slack's shapes when Slack runs.
        ({**SLACK_ENV, "KLIMANET_CHANNEL": "#klima"}, "KLIMANET_CHANNEL must be a channel id"),
        ({**SLACK_ENV, "KLIMANET_ADMINS": "U0BO,anna"}, "KLIMANET_ADMINS must be Slack user ids"),
        ({**SLACK_ENV, "KLIMANET_ADMINS": f"U0BO {GUID}"}, "KLIMANET_ADMINS must be Slack user"),
    ],
)
def test_slack_checks_its_own_settings(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=f"^{named}"):
        runtime.platform_settings(env)


def test_the_core_takes_any_one_word_id_and_slack_its_own_shapes() -> None:
    ids = {"KLIMANET_CHANNEL": "19:" + "k" * 200 + "@thread.tacv2", "KLIMANET_ADMINS": GUID}
    settings = Settings.from_env(ids)
    assert settings.channel == ids["KLIMANET_CHANNEL"] and settings.admins == {GUID}
    assert "slack" not in runtime.platform_settings(ids)  # no Slack: its shapes are not asked
    with pytest.raises(ConfigError, match="KLIMANET_ADMINS must be Slack user ids"):
        runtime.platform_settings({**SLACK_ENV, **ids, "KLIMANET_CHANNEL": "C0NET"})
    slack = {**SLACK_ENV, "KLIMANET_CHANNEL": "C0NET", "KLIMANET_ADMINS": "U0BO, W0ANNA"}
    assert runtime.platform_settings(slack)["slack"] == SlackSettings(
        "xoxb-1", "s", None, "https://slack.com/api/"
    )
    for bad in ({"KLIMANET_CHANNEL": "klima kanal"}, {"KLIMANET_ADMINS": "a" * 256}):
        with pytest.raises(ConfigError, match=f"^{next(iter(bad))}"):
            Settings.from_env(bad)


def test_socket_mode_needs_the_app_token_and_http_mode_the_signing_secret() -> None:
    socket = SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert socket is not None and socket.socket_mode and socket.signing_secret is None
    http = SlackSettings.from_env({**SLACK_ENV, "SLACK_API_BASE_URL": "http://127.0.0.1:9"})
    assert http is not None and not http.socket_mode
    assert http.api_base_url == "http://127.0.0.1:9/"


def test_the_core_settings_know_no_platform() -> None:
    settings = Settings.from_env({**SLACK_ENV, "SLACK_APP_TOKEN": "xapp-1"})
    assert not any("slack" in name for name in vars(settings))
    assert settings.ops_addr == ("127.0.0.1", 9102)  # the default, kept once
    assert Settings().ops_addr == settings.ops_addr


def test_the_console_platform_runs_reports_health_and_stops(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    read, write = os.pipe()  # input that never comes: only stop() ends the conversation
    stdin = os.fdopen(read, "r")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", out)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}")
    options = RunOptions(user_id="U0A", name="Anna")
    platform = runtime.build_platform(runtime.CONSOLE, settings, True, OffsetClock(), options)
    assert isinstance(platform, ConsolePlatform)
    assert platform.core.service.settings.channel == CONSOLE_CHANNEL  # none configured
    health = platform.health()
    assert health.database is True
    stopper = threading.Timer(1.0, platform.stop)
    stopper.start()
    started = time.monotonic()
    try:
        assert platform.run() == 0
    finally:
        stopper.cancel()
        os.close(write)
        stdin.close()
    assert time.monotonic() - started < 10
    assert "Anna" in out.getvalue() and "Farvel." in out.getvalue()
