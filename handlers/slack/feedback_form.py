"""Buttons in a direct message that open a form, and the feedback form itself.

"Skriv en kommentar" on "Hvordan var mødet?" opens the feedback form (a rating, the comment,
whether to sign it); it is checked in the ack without the database, acknowledged with "Gemmer
…", saved on the work pool, and the modal then shows the answer (as the registration form
does). "Tilmeld en kollega" on a nudge opens the registration form with the municipality and
the flexible seat filled in.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import texts
from bot.replies import (
    FeedbackField,
    FeedbackFormRequest,
    HomeAction,
    RegistrationFormRequest,
    Reply,
)
from bot.service.klimanet import FeedbackForm, Klimanet
from bot.texts import loop as loop_texts
from handlers.slack.blocks import (
    VALUE_ACTION,
    form_values,
    registration_modal,
    result_modal,
)
from handlers.slack.commands import metadata_of
from handlers.slack.common import Background, actor_from_body, once_in
from handlers.slack.forms import Forms, Modal
from handlers.slack.views import SavedForm, save_after_ack

CALLBACK_FEEDBACK = "feedback"
# Saved after the ack; a refusal only the database knows (a cancelled meeting) shows in the modal.
FEEDBACK_FORM = SavedForm(
    where="feedback form",
    saving_title=loop_texts.FEEDBACK_FORM_TITLE,
    saving_text=loop_texts.FEEDBACK_FORM_SAVING,
    done_title=loop_texts.FEEDBACK_FORM_DONE_TITLE,
    refused_title=loop_texts.FEEDBACK_FORM_NOT_SAVED,
    error_field=FeedbackField.COMMENT,
)
SIGNED = "signed"


def _rating_option(label: str) -> Option:
    return Option(text=PlainTextObject(text=label), value=label)


def feedback_modal(request: FeedbackFormRequest) -> View:
    ratings = [_rating_option(label) for label in loop_texts.FEEDBACK_LABELS]
    initial = next((o for o in ratings if o.value == str(request.rating)), None)
    signed = Option(text=PlainTextObject(text=loop_texts.FEEDBACK_FORM_SIGNED_OPTION), value=SIGNED)
    return View(
        type="modal",
        callback_id=CALLBACK_FEEDBACK,
        title=loop_texts.FEEDBACK_FORM_TITLE,
        submit=loop_texts.FEEDBACK_FORM_SUBMIT,
        close=texts.registration.FORM_CLOSE,
        # The meeting travels with the form; the person is who submits it (Slack says so).
        private_metadata=json.dumps({"meeting": request.meeting_id}),
        blocks=[
            SectionBlock(text=PlainTextObject(text=request.meeting[:3000])),
            InputBlock(
                block_id=FeedbackField.RATING,
                label=loop_texts.FEEDBACK_FORM_RATING,
                element=RadioButtonsElement(
                    action_id=VALUE_ACTION, options=ratings, initial_option=initial
                ),
            ),
            InputBlock(
                block_id=FeedbackField.COMMENT,
                label=loop_texts.FEEDBACK_FORM_COMMENT,
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION,
                    placeholder=loop_texts.FEEDBACK_FORM_COMMENT_PLACEHOLDER,
                    multiline=True,
                    max_length=2000,
                    initial_value=request.comment or None,
                ),
            ),
            InputBlock(
                block_id=FeedbackField.SIGNED,
                label=loop_texts.FEEDBACK_FORM_SIGNED,
                optional=True,
                element=CheckboxesElement(
                    action_id=VALUE_ACTION,
                    options=[signed],
                    initial_options=[signed] if request.signed else None,
                ),
            ),
        ],
    )


def feedback_form(view: dict[str, Any]) -> FeedbackForm:
    values = form_values(view)
    state = view.get("state", {}).get("values", {})
    checked = (state.get(FeedbackField.SIGNED) or {}).get(VALUE_ACTION) or {}
    signed = any(o.get("value") == SIGNED for o in checked.get("selected_options") or [])
    meeting = metadata_of(view).get("meeting")
    return FeedbackForm(
        meeting if isinstance(meeting, int) and not isinstance(meeting, bool) else 0,
        str(values.get(FeedbackField.RATING) or ""),
        str(values.get(FeedbackField.COMMENT) or ""),
        signed,
    )


def _button_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def register(app: App, service: Klimanet, background: Background, forms: Forms) -> None:
    def open_feedback(actor_body: dict[str, Any], modal: Modal) -> None:
        value = _button_value(actor_body)
        outcome = service.feedback_form(actor_from_body(actor_body), value)
        number = outcome.number if isinstance(outcome, FeedbackFormRequest) else 0
        one_line = loop_texts.feedback_form_one_line(number) if number else ""
        if isinstance(outcome, FeedbackFormRequest):
            modal.open(feedback_modal(outcome), one_line)
        else:  # the meeting was cancelled, or they were not there: say so in the modal
            modal.open(result_modal(loop_texts.FEEDBACK_FORM_NOT_SAVED, outcome), one_line)

    @app.action(HomeAction.FEEDBACK_FORM)
    def feedback_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        modal = forms.modal(body)  # the trigger_id's 3 s run from now
        work = lambda: open_feedback(body, modal)  # noqa: E731
        forms.run(HomeAction.FEEDBACK_FORM, None, work, once_in(context))

    def open_prefilled(actor_body: dict[str, Any], modal: Modal) -> None:
        actor = actor_from_body(actor_body)
        outcome = service.open_registration_prefilled(actor, _button_value(actor_body))
        if isinstance(outcome, RegistrationFormRequest):
            view = registration_modal(service.directory, outcome, {"channel_id": ""})
            modal.open(view, texts.edge.REGISTRATION_ONE_LINE)
        elif isinstance(outcome, Reply):  # a seat already (the coordinator), or a refusal
            shown = result_modal(texts.overview.HOME_ANSWER_TITLE, outcome)
            modal.open(shown, texts.edge.REGISTRATION_ONE_LINE)

    @app.action(HomeAction.REGISTER_PREFILLED)
    def prefilled_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        modal = forms.modal(body)
        work = lambda: open_prefilled(body, modal)  # noqa: E731
        forms.run(HomeAction.REGISTER_PREFILLED, None, work, once_in(context))

    @app.view(CALLBACK_FEEDBACK)
    def submit_feedback(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        form = feedback_form(view)
        actor = actor_from_body(body)
        save_after_ack(
            ack,
            background,
            client,
            (view, context),
            lambda: service.check_feedback_form(form),  # no database: fit for the ack
            lambda: service.save_feedback_form(actor, form),
            FEEDBACK_FORM,
        )
