"""Teams reads and checks its own settings (``handlers/teams/settings.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError
from handlers.teams.settings import DEFAULT_TEAMS_PORT, TeamsSettings, is_loopback

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
FULL = {"TEAMS_APP_ID": APP, "TEAMS_APP_PASSWORD": "secret", "TEAMS_TENANT_ID": TENANT}


def test_no_app_id_means_teams_is_not_configured() -> None:
    assert TeamsSettings.from_env({}) is None
    assert TeamsSettings.from_env({"TEAMS_APP_PASSWORD": "x", "TEAMS_APP_ID": " "}) is None


def test_a_full_configuration_is_read_with_port_3978() -> None:
    settings = TeamsSettings.from_env({**FULL, "KLIMANET_PUBLIC_URL": "https://bot.kl.dk/"})
    assert settings == TeamsSettings(APP, "secret", TENANT, "https://bot.kl.dk")
    assert settings.port == DEFAULT_TEAMS_PORT == 3978
    assert not settings.insecure_local
    assert settings.link_secret is None
    signed = TeamsSettings.from_env({**FULL, "KLIMANET_LINK_SECRET": " k3y "})
    assert signed is not None and signed.link_secret == "k3y"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**FULL, "TEAMS_APP_ID": "not-a-guid"}, "TEAMS_APP_ID"),
        ({**FULL, "TEAMS_TENANT_ID": "kl.dk"}, "TEAMS_TENANT_ID"),
        ({"TEAMS_APP_ID": APP, "TEAMS_TENANT_ID": TENANT}, "TEAMS_APP_PASSWORD"),
        ({"TEAMS_APP_ID": APP, "TEAMS_APP_PASSWORD": "s"}, "TEAMS_TENANT_ID"),
        ({**FULL, "TEAMS_INSECURE_LOCAL": "maybe"}, "TEAMS_INSECURE_LOCAL"),
        ({**FULL, "KLIMANET_PUBLIC_URL": "http://bot.kl.dk"}, "KLIMANET_PUBLIC_URL"),
        ({**FULL, "KLIMANET_PUBLIC_URL": "bot.kl.dk"}, "KLIMANET_PUBLIC_URL"),
    ],
)
def test_a_wrong_or_missing_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as error:
        TeamsSettings.from_env(env)
    assert "\n" not in str(error.value)


def test_a_malformed_setting_is_refused_even_without_an_app_id() -> None:
    with pytest.raises(ConfigError, match="TEAMS_TENANT_ID"):
        TeamsSettings.from_env({"TEAMS_TENANT_ID": "nope"})


def test_insecure_local_needs_no_secret_and_binds_only_loopback() -> None:
    settings = TeamsSettings.from_env(
        {
            "TEAMS_APP_ID": APP,
            "TEAMS_INSECURE_LOCAL": "true",
            "KLIMANET_PUBLIC_URL": "http://127.0.0.1:3978",
        }
    )
    assert settings is not None and settings.insecure_local and settings.app_password is None
    for host in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"):
        settings.check_bind(host)  # fine
    for host in ("0.0.0.0", "::", "10.0.0.5", "bot.kl.dk"):
        with pytest.raises(ConfigError, match="TEAMS_INSECURE_LOCAL") as refused:
            settings.check_bind(host)
        assert "\n" not in str(refused.value)


def test_without_insecure_local_every_address_may_be_bound() -> None:
    settings = TeamsSettings.from_env(FULL)
    assert settings is not None
    settings.check_bind("0.0.0.0")
    assert not is_loopback("0.0.0.0") and is_loopback("127.0.0.1")


def test_a_teams_app_id_picks_teams_on_port_3978() -> None:
    from bot import runtime
    from bot.__main__ import _port

    configured = runtime.platform_settings({**FULL})
    kind = runtime.choose(configured, wanted=None, http=False)
    assert kind.name == "teams" and runtime.choose(configured, wanted=None, http=True) is kind
    assert _port(None, kind) == 3978 and _port(8080, kind) == 8080
    slack = runtime.choose(
        runtime.platform_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}),
        wanted=None,
        http=False,
    )
    assert _port(None, slack) == 3000  # Slack's default is unchanged
    without = runtime.platform_settings({})
    assert runtime.choose(without, wanted=None, http=False).name == "console"


def test_insecure_local_on_a_public_address_stops_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAMS_APP_ID", APP)
    monkeypatch.setenv("TEAMS_INSECURE_LOCAL", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    assert main(["run", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "TEAMS_INSECURE_LOCAL" in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "k.db").exists()  # refused before anything was built
