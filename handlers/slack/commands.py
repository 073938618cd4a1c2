"""``/klimanet``: ack at once, one service call, then the answer or a modal."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import texts
from bot.replies import MeetingFormRequest, Outcome, PollFormRequest, RegistrationFormRequest
from bot.service.klimanet import Klimanet
from bot.service.parsing import opens_form
from bot.texts import polls as poll_texts
from bot.texts.common import COMMAND
from handlers.slack.blocks import meeting_modal, registration_modal, reply_message
from handlers.slack.client import respond
from handlers.slack.common import Background, actor_from_command, once_in
from handlers.slack.forms import Forms, Modal
from handlers.slack.notifier import SlackNotifier
from handlers.slack.poll_modal import poll_modal
from handlers.slack.text import decode_command_text


def register(
    app: App, service: Klimanet, notifier: SlackNotifier, background: Background, forms: Forms
) -> None:
    def answer(command: dict[str, Any], modal: Modal) -> None:
        text = decode_command_text(command.get("text") or "")
        outcome: Outcome = service.command(actor_from_command(command), text)
        if isinstance(outcome, RegistrationFormRequest):
            metadata = {"channel_id": command.get("channel_id") or ""}
            view = registration_modal(service.directory, outcome, metadata)
            modal.open(view, texts.edge.REGISTRATION_ONE_LINE)
        elif isinstance(outcome, MeetingFormRequest):
            modal.open(meeting_modal(outcome), texts.edge.meeting_one_line(service.today()))
        elif isinstance(outcome, PollFormRequest):
            modal.open(poll_modal(outcome), poll_texts.form_one_line())
        else:
            respond(command["response_url"], reply_message(outcome))
            for attachment in outcome.files:
                notifier.send_file(command["user_id"], attachment)

    @app.command(COMMAND)
    def klimanet(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        ack()
        modal = forms.modal(command)  # the trigger_id's 3 s run from now
        # A form must not queue behind other work, and no Slack call runs on this thread.
        pool = forms if opens_form(command.get("text") or "") else background
        work = lambda: answer(command, modal)  # noqa: E731
        pool.run(COMMAND, command.get("response_url"), work, once_in(context))


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
