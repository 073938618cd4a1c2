"""``user_change``: a profile changed (the cached one is dropped), or the workspace deactivated
an account (``deleted: true``): their seat is released and who needs to know is told. A later
reactivation changes nothing until they register again."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.domain.registration import Actor
from bot.service.klimanet import Klimanet
from handlers.slack.common import PLATFORM, Background, once_in
from handlers.slack.profiles import SlackProfiles


def register(
    app: App, service: Klimanet, background: Background, profiles: SlackProfiles | None
) -> None:
    @app.event("user_change")
    def user_changed(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            return
        user_id = str(user["id"])
        if profiles is not None:
            profiles.forget(user_id)  # read the changed profile again when it is next needed
        if user.get("deleted") is not True:
            return
        team_id = str(user.get("team_id") or body.get("team_id") or "")
        work = lambda: _deactivated(service, team_id, user_id)  # noqa: E731
        background.run("user_change", None, work, once_in(context))


def _deactivated(service: Klimanet, team_id: str, user_id: str) -> None:
    service.user_deactivated(Actor(team_id, user_id, user_id, platform=PLATFORM))
