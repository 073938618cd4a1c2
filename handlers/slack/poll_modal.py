"""The poll form's modal (Block Kit): the fields of ``afstemning opret``."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot import texts
from bot.replies import PollField, PollFormRequest
from bot.texts import polls as poll_texts
from handlers.slack.blocks import VALUE_ACTION

CALLBACK_POLL = "poll"
MULTIPLE = "multiple"


def poll_modal(request: PollFormRequest) -> View:
    return View(
        type="modal",
        callback_id=CALLBACK_POLL,
        title=poll_texts.FORM_TITLE,
        submit=poll_texts.FORM_SUBMIT,
        close=texts.registration.FORM_CLOSE,
        blocks=[
            InputBlock(
                block_id=PollField.QUESTION,
                label=poll_texts.FORM_QUESTION,
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION,
                    placeholder=poll_texts.FORM_QUESTION_PLACEHOLDER,
                    max_length=300,
                ),
            ),
            InputBlock(
                block_id=PollField.OPTIONS,
                label=poll_texts.FORM_OPTIONS,
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION,
                    placeholder=poll_texts.FORM_OPTIONS_PLACEHOLDER,
                    multiline=True,
                    max_length=1000,
                ),
            ),
            InputBlock(
                block_id=PollField.DATE,
                label=poll_texts.FORM_DATE,
                element=DatePickerElement(
                    action_id=VALUE_ACTION,
                    initial_date=request.today.isoformat() if request.today else None,
                ),
            ),
            InputBlock(
                block_id=PollField.TIME,
                label=poll_texts.FORM_TIME,
                element=TimePickerElement(action_id=VALUE_ACTION, initial_time="12:00"),
            ),
            InputBlock(
                block_id=PollField.MULTIPLE,
                label=poll_texts.FORM_MULTIPLE,
                optional=True,
                element=CheckboxesElement(
                    action_id=VALUE_ACTION,
                    options=[
                        Option(
                            text=PlainTextObject(text=poll_texts.FORM_MULTIPLE_OPTION),
                            value=MULTIPLE,
                        )
                    ],
                ),
            ),
        ],
    )
