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


IDENTITY = "99999999-8888-7777-6666-555555555555"
# No client secret: a certificate or a managed identity signs in, and the file links need a
# secret of their own that every replica shares.
NO_SECRET = {"TEAMS_APP_ID": APP, "TEAMS_TENANT_ID": TENANT, "KLIMANET_LINK_SECRET": "x" * 40}


def test_a_certificate_instead_of_a_secret_builds_the_sdks_certificate_auth(
    tmp_path: Path,
) -> None:
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core.authorization import AuthTypes

    from handlers.teams.app import connection_configuration, token_source
    from handlers.teams.connector import SdkTokens

    pfx = tmp_path / "bot.pfx"
    pfx.write_bytes(b"not parsed before the first token")
    settings = TeamsSettings.from_env({**NO_SECRET, "TEAMS_CERT_PATH": str(pfx)})
    assert settings is not None and settings.credential == "certificate"
    assert settings.app_password is None and settings.cert_path == str(pfx)
    sdk = connection_configuration(settings)
    assert sdk is not None and AuthTypes.certificate == sdk.AUTH_TYPE
    assert (APP, TENANT, str(pfx)) == (sdk.CLIENT_ID, sdk.TENANT_ID, sdk.CERT_PFX_FILE)
    tokens = token_source(settings)
    assert isinstance(tokens, SdkTokens) and isinstance(tokens.provider, MsalAuth)
    assert str(pfx) == tokens.provider.configuration.CERT_PFX_FILE


@pytest.mark.parametrize(("value", "client_id"), [("true", APP), (IDENTITY, IDENTITY)])
def test_a_managed_identity_builds_the_sdks_managed_identity_client(
    value: str, client_id: str
) -> None:
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core.authorization import AuthTypes
    from msal import ManagedIdentityClient

    from handlers.teams.app import connection_configuration, token_source
    from handlers.teams.connector import SdkTokens

    settings = TeamsSettings.from_env({**NO_SECRET, "TEAMS_MANAGED_IDENTITY": value})
    assert settings is not None and settings.credential == "managed_identity"
    sdk = connection_configuration(settings)
    assert sdk is not None and AuthTypes.user_managed_identity == sdk.AUTH_TYPE
    assert client_id == sdk.CLIENT_ID
    tokens = token_source(settings)
    assert isinstance(tokens, SdkTokens) and isinstance(tokens.provider, MsalAuth)
    # What MSAL will ask the identity endpoint with (built without a call).
    client = tokens.provider._create_client_application()
    assert isinstance(client, ManagedIdentityClient)
    assert client._managed_identity["Id"] == client_id  # type: ignore[attr-defined]


def test_a_secret_still_uses_client_credentials_and_no_sdk_configuration() -> None:
    from handlers.teams.app import connection_configuration, token_source
    from handlers.teams.connector import ClientCredentials

    settings = TeamsSettings.from_env(FULL)
    assert settings is not None and settings.credential == "secret"
    assert connection_configuration(settings) is None
    assert isinstance(token_source(settings), ClientCredentials)


def test_the_sdk_token_asks_for_the_bot_framework_and_failures_are_retried_later() -> None:
    import asyncio

    from bot.ports import DeliveryError
    from handlers.teams.connector import SdkTokens

    asked: list[tuple[str, list[str]]] = []

    class Provider:
        def __init__(self, answer: str | None) -> None:
            self.answer = answer

        async def get_access_token(
            self, resource_url: str, scopes: list[str], force_refresh: bool = False
        ) -> str:
            asked.append((resource_url, scopes))
            if self.answer is None:
                raise ValueError("Failed to acquire token")
            return self.answer

    assert asyncio.run(SdkTokens(Provider("tok"))()) == "tok"
    assert asked == [("https://api.botframework.com", ["https://api.botframework.com/.default"])]
    with pytest.raises(DeliveryError) as failed:
        asyncio.run(SdkTokens(Provider(None))())
    assert not failed.value.permanent and failed.value.reason.startswith("token_unavailable")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**FULL, "TEAMS_MANAGED_IDENTITY": "true"}, "TEAMS_APP_PASSWORD and TEAMS_MANAGED"),
        ({**NO_SECRET, "TEAMS_MANAGED_IDENTITY": "maybe"}, "TEAMS_MANAGED_IDENTITY"),
        ({**NO_SECRET, "TEAMS_CERT_PATH": "/nowhere/bot.pfx"}, "TEAMS_CERT_PATH"),
        ({**NO_SECRET, "TEAMS_CERT_PATH": "/etc/hostname"}, "TEAMS_CERT_PATH"),
        ({"TEAMS_APP_ID": APP, "TEAMS_MANAGED_IDENTITY": "true"}, "TEAMS_TENANT_ID"),
        (
            {"TEAMS_APP_ID": APP, "TEAMS_TENANT_ID": TENANT, "TEAMS_MANAGED_IDENTITY": "true"},
            "KLIMANET_LINK_SECRET",
        ),
    ],
)
def test_inconsistent_credentials_are_refused_in_one_line(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named) as error:
        TeamsSettings.from_env(env)
    assert "\n" not in str(error.value)


def test_a_certificate_and_a_secret_together_are_refused(tmp_path: Path) -> None:
    pfx = tmp_path / "bot.pfx"
    pfx.write_bytes(b"x")
    with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD and TEAMS_CERT_PATH"):
        TeamsSettings.from_env({**FULL, "TEAMS_CERT_PATH": str(pfx)})
    assert TeamsSettings.from_env({**FULL, "TEAMS_MANAGED_IDENTITY": "false"}) == (
        TeamsSettings.from_env(FULL)
    )


def test_the_file_links_key_is_the_link_secret_else_the_client_secret() -> None:
    with_secret = TeamsSettings.from_env({**FULL, "KLIMANET_LINK_SECRET": "shared"})
    assert with_secret is not None and with_secret.link_key_material == "shared"
    derived = TeamsSettings.from_env(FULL)
    assert derived is not None and derived.link_key_material == "secret"
