"""The poll form's submission: answered in the ack (errors next to their fields, or the
result)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.replies import PollField
from bot.service.klimanet import Klimanet, PollForm
from bot.texts import polls as poll_texts
from handlers.slack.blocks import VALUE_ACTION, form_values
from handlers.slack.common import actor_from_body, once_in
from handlers.slack.poll_modal import CALLBACK_POLL, MULTIPLE
from handlers.slack.views import answer_form


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


def register(app: App, service: Klimanet) -> None:
    @app.view(CALLBACK_POLL)
    def submit_poll(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        answer_form(
            ack,
            lambda: service.submit_poll_form(actor_from_body(body), poll_form(view)),
            once_in(context),
            where="poll form",
            error_field=PollField.QUESTION,
            done_title=poll_texts.FORM_DONE_TITLE,
        )
