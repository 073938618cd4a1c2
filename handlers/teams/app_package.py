"""``klimanet teams-pakke``: the Teams app package an M365 admin uploads (Teams admin center →
Manage apps → Upload new app): a zip with ``manifest.json``, a 192×192 colour icon and a 32×32
white outline icon on a transparent background, made from the settings (the bot's app id, the
public URL's host as the one valid domain) with the command menu in Danish.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot import texts
from bot.config import ConfigError
from handlers.teams.settings import TeamsSettings

if TYPE_CHECKING:  # Pillow loads only when a package is drawn, never when the bot starts
    from PIL import Image, ImageDraw

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
APP_VERSION = "1.0.0"
ACCENT = "#1F6E43"  # KL's green
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"


def manifest(settings: TeamsSettings) -> dict[str, Any]:
    if settings.public_url is None or not settings.public_url.startswith("https://"):
        raise ConfigError(
            "KLIMANET_PUBLIC_URL must be the bot's public https:// URL to build the Teams package."
        )
    host = urlsplit(settings.public_url).hostname or ""
    site = settings.public_url + "/"
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": settings.app_id,
        "developer": {
            "name": texts.teams.TEAMS_DEVELOPER,
            "websiteUrl": site,
            "privacyUrl": site,
            "termsOfUseUrl": site,
        },
        "name": {
            "short": texts.teams.TEAMS_APP_SHORT_NAME,
            "full": texts.teams.TEAMS_APP_FULL_NAME,
        },
        "description": {
            "short": texts.teams.TEAMS_APP_SHORT_DESCRIPTION,
            "full": texts.teams.TEAMS_APP_FULL_DESCRIPTION,
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": settings.app_id,
                "scopes": ["personal", "team"],
                # Files go as signed links on the bot's host, never as Teams file uploads.
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    _commands("personal", texts.teams.TEAMS_PERSONAL_COMMANDS),
                    _commands("team", texts.teams.TEAMS_TEAM_COMMANDS),
                ],
            }
        ],
        "validDomains": [host],
    }


def _commands(scope: str, commands: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        "scopes": [scope],
        "commands": [{"title": title, "description": about} for title, about in commands],
    }


def _leaf(draw: ImageDraw.ImageDraw, size: int, fill: Any, width: int = 0) -> None:
    """A leaf: the network's sign, drawn on the icon."""
    margin = size // 5
    box = (margin, margin, size - margin, size - margin)
    if width:
        draw.ellipse(box, outline=fill, width=width)
    else:
        draw.ellipse(box, fill=fill)
    draw.line(
        (margin + size // 10, size - margin - size // 10, size - margin, margin),
        fill=fill if width else ACCENT,
        width=max(2, size // 24),
    )


def color_icon() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (192, 192), ACCENT)
    _leaf(ImageDraw.Draw(image), 192, "white")
    return _png(image)


def outline_icon() -> bytes:
    """White on transparent, as Teams requires of the outline icon."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    _leaf(ImageDraw.Draw(image), 32, (255, 255, 255, 255), width=2)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def package(settings: TeamsSettings) -> bytes:
    """The zip, with the manifest and the icons at its root (where Teams looks for them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "manifest.json", json.dumps(manifest(settings), ensure_ascii=False, indent=2)
        )
        archive.writestr(COLOR_ICON, color_icon())
        archive.writestr(OUTLINE_ICON, outline_icon())
    return out.getvalue()
