"""The App Home tab: published from current data when it is opened, again when its person's state
changed (the outbox's ``home`` rows), and after a click on one of its buttons.

The service says what the Home holds (``bot.replies.Home``); this module renders it, publishes it
on its own small pool (never on a listener thread, and never queued behind a slow picture, so the
``views.publish`` follows ``app_home_opened`` within a second), and keeps the facilitators' map:

- the map is drawn after the Home is published (the first picture imports matplotlib), uploaded
  into the facilitator's direct messages with the bot (files upload v2), and the Home is
  published again with an image block showing that file (``slack_file``);
- a new map is uploaded only when a facilitator opens the Home and what it shows has changed, so
  a burst of registrations does not put a map in their messages for each one; a refresh in
  between shows the last one uploaded, with its own title;
- if Slack refuses the image block, the Home links to the file with a button instead.

Which file shows which map is kept in this process only: after a restart the first opening
uploads the map once more.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import texts
from bot.domain.registration import Actor
from bot.replies import Home, HomeAction, HomePicture, RegistrationFormRequest, Reply
from bot.service.klimanet import Klimanet
from handlers.slack.blocks import (
    ShownPicture,
    home_view,
    mrkdwn,
    registration_modal,
    result_modal,
    themes_modal,
)
from handlers.slack.common import Background, actor_from_body, actor_from_event, once_in
from handlers.slack.forms import Forms, Modal
from handlers.slack.notifier import delivery_call

log = logging.getLogger("klimanet.home")

HOME_THREADS = 2


class SlackHome:
    """Publishes Homes; implements ``bot.ports.HomePublisher`` for delivery."""

    def __init__(
        self, client: WebClient, service: Klimanet, work: Background, forms: Forms
    ) -> None:
        self._client = client
        self._service = service
        self._work = work  # pictures: slow, and not in the way of a publish
        self._forms = forms
        self._pool = Background(HOME_THREADS, name="home")
        self._shown: dict[str, ShownPicture] = {}
        self._uploading: set[str] = set()
        self._dm: dict[str, str] = {}
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        self._pool.shutdown()

    def register(self, app: App) -> None:
        @app.event("app_home_opened")
        def home_opened(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
            if event.get("tab") != "home":
                return
            actor = actor_from_event(event, body)
            # views.publish waits for Slack: not on a listener thread.
            work = lambda: self.show(actor, new_picture=True)  # noqa: E731
            self._pool.run("app_home_opened", None, work, once_in(context))

        @app.action(HomeAction.REGISTER)
        def register_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
            ack()
            modal = self._forms.modal(body)  # the trigger_id's 3 s run from now
            actor = actor_from_body(body)
            work = lambda: self._open_form(actor, modal)  # noqa: E731
            self._forms.run(HomeAction.REGISTER, None, work, once_in(context))

        @app.action(HomeAction.THEMES)
        def themes_clicked(ack: Ack, body: dict[str, Any]) -> None:
            # On the Home, on the answer to ``fagområder`` and on ``tilmeld``'s confirmation.
            ack()
            modal = self._forms.modal(body)  # the trigger_id's 3 s run from now
            actor = actor_from_body(body)
            self._forms.run(HomeAction.THEMES, None, lambda: self._open_themes(actor, modal))

        @app.action(HomeAction.OPEN_PICTURE)
        def picture_opened(ack: Ack) -> None:
            ack()  # a link button: Slack opens the file; nothing to answer

    # -- publishing -------------------------------------------------------------------------------

    def show(self, actor: Actor, *, new_picture: bool = False) -> None:
        """Publish ``actor``'s Home now; with ``new_picture``, also bring its map up to date."""
        home = self._service.home(actor)
        self._publish(home)
        picture = _picture_of(home)
        if new_picture and picture is not None:
            self._update_picture(actor, picture)

    def publish_home(self, home: Home) -> None:
        """``HomePublisher``: a refresh planned through the outbox."""
        delivery_call(lambda: self._publish(home))

    def answered(self, actor: Actor, reply: Reply, modal: Modal) -> None:
        """A button on the Home was clicked: the answer in a modal (a Home click has no message to
        answer in), then the Home as it is now."""
        modal.open(result_modal(texts.overview.HOME_ANSWER_TITLE, reply), "")
        self._pool.run("home click", None, lambda: self.show(actor))

    def _publish(self, home: Home) -> None:
        with self._lock:
            shown = self._shown.get(home.user_id)
        picture = _picture_of(home)
        if picture is None:
            shown = None
        try:
            self._client.views_publish(user_id=home.user_id, view=home_view(home, shown))
        except SlackApiError as error:
            if shown is None or shown.refused or error.response.get("error") != "invalid_blocks":
                raise
            log.warning("Slack refused the map's image block; the Home links to the file instead")
            refused = replace(shown, refused=True)
            with self._lock:
                self._shown[home.user_id] = refused
            self._client.views_publish(user_id=home.user_id, view=home_view(home, refused))

    # -- the map ----------------------------------------------------------------------------------

    def _update_picture(self, actor: Actor, picture: HomePicture) -> None:
        with self._lock:
            shown = self._shown.get(actor.user_id)
            if (shown is not None and shown.key == picture.key) or actor.user_id in self._uploading:
                return
            self._uploading.add(actor.user_id)

        def upload() -> None:
            try:
                image = self._service.home_image(actor)
                if image is None:
                    return
                comment = image.file.comment
                response = self._client.files_upload_v2(
                    channel=self._dm_channel(actor.user_id),
                    content=image.file.content,
                    filename=image.file.filename,
                    title=image.file.title,
                    initial_comment=mrkdwn(comment) if comment else None,
                )
                uploaded = response.get("file") or {}
                permalink = uploaded.get("permalink")
                with self._lock:
                    self._shown[actor.user_id] = ShownPicture(
                        image.key,
                        str(uploaded["id"]),
                        image.file.title,
                        permalink if isinstance(permalink, str) else None,
                    )
            finally:
                with self._lock:
                    self._uploading.discard(actor.user_id)
            self.show(actor)

        self._work.run("home picture", None, upload)

    def _dm_channel(self, user_id: str) -> str:
        with self._lock:
            known = self._dm.get(user_id)
        if known is None:
            known = str(self._client.conversations_open(users=user_id)["channel"]["id"])
            with self._lock:
                self._dm[user_id] = known
        return known

    # -- the registration form ----------------------------------------------------------------------

    def _open_form(self, actor: Actor, modal: Modal) -> None:
        outcome = self._service.open_registration(actor)
        if isinstance(outcome, RegistrationFormRequest):
            view = registration_modal(self._service.directory, outcome, {"channel_id": ""})
            modal.open(view, texts.edge.REGISTRATION_ONE_LINE)
        elif isinstance(outcome, Reply):  # already registered, or a refusal: say so
            modal.open(
                result_modal(texts.overview.HOME_ANSWER_TITLE, outcome),
                texts.edge.REGISTRATION_ONE_LINE,
            )

    def _open_themes(self, actor: Actor, modal: Modal) -> None:
        modal.open(themes_modal(self._service.themes_form(actor)), texts.themes.THEMES_ONE_LINE)


def _picture_of(home: Home) -> HomePicture | None:
    return next((part for part in home.parts if isinstance(part, HomePicture)), None)
