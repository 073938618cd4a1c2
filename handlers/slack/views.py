"""Modal submissions. Slack wants validation errors in the ack itself, so here the domain call
comes before ``ack()``; it is one short transaction, far inside Slack's 3 seconds."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import texts
from bot.models import SeatKind
from bot.replies import (
    FIELD_KIND,
    FIELD_MEETING_DATE,
    FIELD_MEETING_END,
    FIELD_MEETING_FORMAT,
    FIELD_MEETING_LOCATION,
    FIELD_MEETING_THEMES,
    FIELD_MEETING_TIME,
    FIELD_MEETING_TITLE,
    FIELD_MUNICIPALITY,
    FIELD_THEMES,
    FIELD_TITLE,
    FormErrors,
)
from bot.service.klimanet import Klimanet, MeetingForm, RegistrationForm
from handlers.slack.blocks import CALLBACK_MEETING, CALLBACK_REGISTER, form_values, result_modal
from handlers.slack.commands import metadata_of
from handlers.slack.common import actor_from_body, log_failure

SEAT_KINDS = {kind.value for kind in SeatKind}


def registration_form(view: dict[str, Any]) -> RegistrationForm:
    values = form_values(view)
    code = values.get(FIELD_MUNICIPALITY)
    kind = values.get(FIELD_KIND)
    return RegistrationForm(
        # Codes have three digits; a long digit string is no code (and int() would refuse it).
        municipality_code=int(code)
        if code and str(code).isascii() and str(code).isdigit() and len(str(code)) <= 4
        else None,
        kind=SeatKind(kind) if kind in SEAT_KINDS else None,  # anything else: "what is free"
        title=values.get(FIELD_TITLE) or "",
        themes=tuple(t for t in values.get(FIELD_THEMES) or [] if t),
    )


def meeting_form(view: dict[str, Any]) -> MeetingForm:
    values = form_values(view)
    return MeetingForm(
        title=values.get(FIELD_MEETING_TITLE) or "",
        date=values.get(FIELD_MEETING_DATE) or "",
        start=values.get(FIELD_MEETING_TIME) or "",
        end=values.get(FIELD_MEETING_END) or "",
        format=values.get(FIELD_MEETING_FORMAT) or "",
        location=values.get(FIELD_MEETING_LOCATION) or "",
        themes=tuple(t for t in values.get(FIELD_MEETING_THEMES) or [] if t),
    )


def register(app: App, service: Klimanet) -> None:
    @app.view(CALLBACK_REGISTER)
    def submit_registration(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            result = service.submit_registration_form(
                actor_from_body(body), registration_form(view)
            )
        except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
            reference = log_failure(error, "registration form")
            ack(
                response_action="errors",
                errors={FIELD_MUNICIPALITY: texts.internal_error(reference)},
            )
            return
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        else:
            ack(response_action="update", view=result_modal(texts.FORM_RESULT_TITLE, result))

    @app.view(CALLBACK_MEETING)
    def submit_meeting(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        number = metadata_of(view).get("number")
        try:
            result = service.submit_meeting_form(
                actor_from_body(body),
                number if isinstance(number, int) and not isinstance(number, bool) else None,
                meeting_form(view),
            )
        except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
            reference = log_failure(error, "meeting form")
            ack(
                response_action="errors",
                errors={FIELD_MEETING_TITLE: texts.internal_error(reference)},
            )
            return
        if isinstance(result, FormErrors):
            ack(response_action="errors", errors=result.errors)
        else:
            ack(response_action="update", view=result_modal(texts.MEETING_FORM_DONE_TITLE, result))
