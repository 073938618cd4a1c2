"""Teams' row in the composition root's platform table (``bot.runtime.PLATFORMS``): its
settings are read on every start, but the Agents SDK and aiohttp are imported only when Teams is
the platform that runs (they take about a second to import, which every console or Slack
process would pay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platform import Assembly, PlatformKind, RunOptions
from handlers.teams.settings import DEFAULT_TEAMS_PORT, TeamsSettings

if TYPE_CHECKING:
    from handlers.teams.app import TeamsPlatform


def _build(settings: TeamsSettings, assembly: Assembly, options: RunOptions) -> TeamsPlatform:
    from handlers.teams.app import TeamsPlatform

    return TeamsPlatform(settings, assembly, options)


TEAMS: PlatformKind[TeamsSettings] = PlatformKind(
    name="teams",
    read_settings=TeamsSettings.from_env,
    build=_build,
    http_needs="TEAMS_APP_ID",
    default_port=DEFAULT_TEAMS_PORT,
)
