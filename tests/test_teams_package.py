"""``klimanet teams-pakke``: the Teams app package validates against the manifest schema in the
repository (offline), with the icons Teams asks for and the command menu in Danish."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from bot.__main__ import main
from bot.config import ConfigError
from handlers.teams.app_package import manifest, package
from handlers.teams.settings import TeamsSettings

APP = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SETTINGS = TeamsSettings(APP, "secret", TENANT, "https://klimanet.kl.dk")
SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "teams-manifest-1.17.schema.json").read_text("utf-8")
)


def validate(found: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(found, SCHEMA, cls=jsonschema.Draft7Validator)


def test_the_manifest_validates_and_names_the_bot_and_its_host() -> None:
    found = manifest(SETTINGS)
    validate(found)
    (bot,) = found["bots"]
    assert found["id"] == bot["botId"] == APP
    assert bot["scopes"] == ["personal", "team"]
    assert found["validDomains"] == ["klimanet.kl.dk"]
    menus = {tuple(c["scopes"]): [x["title"] for x in c["commands"]] for c in bot["commandLists"]}
    assert menus[("personal",)][:3] == ["tilmeld", "pladser", "møder"]
    assert "hjælp" in menus[("team",)]
    assert found["name"]["full"] == "Kommunernes klimapolitiske netværk"


def test_the_schema_catches_what_teams_would_refuse() -> None:
    good = manifest(SETTINGS)
    broken: list[dict[str, Any]] = []
    for change in (
        lambda m: m.update(id="klimanet"),
        lambda m: m["name"].update(short="K" * 31),
        lambda m: m["bots"][0]["commandLists"][0]["commands"].extend(
            [{"title": f"k{n}", "description": "x"} for n in range(5)]
        ),
        lambda m: m["bots"][0]["commandLists"][0]["commands"][0].update(title="t" * 33),
        lambda m: m["developer"].update(privacyUrl="http://kl.dk"),
        lambda m: m.update(accentColor="green"),
    ):
        bad = copy.deepcopy(good)
        change(bad)
        broken.append(bad)
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def test_the_zip_holds_the_manifest_and_both_icons_at_their_sizes() -> None:
    with zipfile.ZipFile(io.BytesIO(package(SETTINGS))) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        found = json.loads(archive.read("manifest.json"))
        validate(found)
        color = Image.open(io.BytesIO(archive.read(found["icons"]["color"])))
        outline = Image.open(io.BytesIO(archive.read(found["icons"]["outline"])))
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size) == ("PNG", (32, 32))
    # The outline icon is white on transparent.
    rgba = outline.convert("RGBA")
    pixels = [rgba.getpixel((x, y)) for x in range(32) for y in range(32)]
    assert {p[:3] for p in pixels if p[3] > 0} == {(255, 255, 255)}  # type: ignore[index]
    assert any(p[3] == 0 for p in pixels)  # type: ignore[index]


def test_without_a_public_https_url_there_is_no_package() -> None:
    with pytest.raises(ConfigError, match="KLIMANET_PUBLIC_URL"):
        manifest(TeamsSettings(APP, "secret", TENANT, None))


def test_the_command_writes_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "TEAMS_APP_ID": APP,
        "TEAMS_APP_PASSWORD": "secret",
        "TEAMS_TENANT_ID": TENANT,
        "KLIMANET_PUBLIC_URL": "https://klimanet.kl.dk",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["teams-pakke", "--ud", "pakke.zip"]) == 0
    with zipfile.ZipFile(tmp_path / "pakke.zip") as archive:
        validate(json.loads(archive.read("manifest.json")))
    monkeypatch.delenv("TEAMS_APP_ID")
    assert main(["teams-pakke"]) == 2
    assert "TEAMS_APP_ID" in capsys.readouterr().err
