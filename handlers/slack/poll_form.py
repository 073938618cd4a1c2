"""The poll form's submission: its answers checked in the ack without the database (errors next
to their fields); the poll opened on the work pool, and the modal then shows it, or why not."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.replies import PollField
from bot.service.klimanet import Klimanet, PollForm
from bot.texts import polls as poll_texts
from handlers.slack.blocks import VALUE_ACTION, form_values
from handlers.slack.common import Background, actor_from_body
from handlers.slack.poll_modal import CALLBACK_POLL, MULTIPLE
from handlers.slack.views import SavedForm, save_after_ack

POLL_FORM = SavedForm(
    where="poll form",
    saving_title=poll_texts.FORM_TITLE,
    saving_text=poll_texts.FORM_SAVING,
    done_title=poll_texts.FORM_DONE_TITLE,
    refused_title=poll_texts.FORM_NOT_SAVED,
    error_field=PollField.QUESTION,
)


def poll_form(view: dict[str, Any]) -> PollForm:
    values = form_values(view)
    state = view.get("state", {}).get("values", {})
    checked = (state.get(PollField.MULTIPLE) or {}).get(VALUE_ACTION) or {}
    multiple = any(o.get("value") == MULTIPLE for o in checked.get("selected_options") or [])
    options = str(values.get(PollField.OPTIONS) or "").splitlines()
    closing = f"{values.get(PollField.DATE) or ''} {values.get(PollField.TIME) or ''}"
    return PollForm(
        str(values.get(PollField.QUESTION) or ""), tuple(options), closing.strip(), multiple
    )


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.view(CALLBACK_POLL)
    def submit_poll(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        form = poll_form(view)
        actor = actor_from_body(body)
        save_after_ack(
            ack,
            background,
            client,
            (view, context),
            lambda: service.check_poll_form(form),
            lambda: service.save_poll_form(actor, form),
            POLL_FORM,
        )
