"""Modal submissions. Slack wants validation errors in the ack itself, so here the domain call
comes before ``ack()``; it is one short transaction, far inside Slack's 3 seconds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import texts
from bot.models import SeatKind
from bot.replies import (
    FormErrors,
    MeetingField,
    MeetingFormRequest,
    RegistrationField,
    Reply,
)
from bot.service.inbound import Once
from bot.service.klimanet import Klimanet, MeetingForm, RegistrationForm
from handlers.slack.blocks import (
    CALLBACK_MEETING,
    CALLBACK_REGISTER,
    form_values,
    meeting_modal,
    result_modal,
)
from handlers.slack.commands import metadata_of
from handlers.slack.common import acting_once, actor_from_body, log_failure, once_in

SEAT_KINDS = {kind.value for kind in SeatKind}


def registration_form(view: dict[str, Any]) -> RegistrationForm:
    values = form_values(view)
    code = values.get(RegistrationField.MUNICIPALITY)
    kind = values.get(RegistrationField.KIND)
    return RegistrationForm(
        # Codes have three digits; a long digit string is no code (and int() would refuse it).
        municipality_code=int(code)
        if code and str(code).isascii() and str(code).isdigit() and len(str(code)) <= 4
        else None,
        kind=SeatKind(kind) if kind in SEAT_KINDS else None,  # anything else: "what is free"
        title=values.get(RegistrationField.TITLE) or "",
        themes=tuple(t for t in values.get(RegistrationField.THEMES) or [] if t),
    )


def meeting_form(view: dict[str, Any]) -> MeetingForm:
    values = form_values(view)
    go_ahead = metadata_of(view).get("go_ahead")
    return MeetingForm(
        title=values.get(MeetingField.TITLE) or "",
        date=values.get(MeetingField.DATE) or "",
        start=values.get(MeetingField.TIME) or "",
        end=values.get(MeetingField.END) or "",
        format=values.get(MeetingField.FORMAT) or "",
        location=values.get(MeetingField.LOCATION) or "",
        themes=tuple(t for t in values.get(MeetingField.THEMES) or [] if t),
        link=values.get(MeetingField.LINK) or "",
        go_ahead=go_ahead if isinstance(go_ahead, str) else "",
    )


def answer_form(
    ack: Ack,
    submit: Callable[[], Reply | FormErrors | MeetingFormRequest],
    once: Once | None,
    *,
    where: str,
    error_field: str,
    done_title: str,
) -> None:
    """Slack wants the form's answer in the ack: errors next to the fields, the form again with
    a warning it can be saved despite, or the result."""
    try:
        result = acting_once(once, submit)
    except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
        reference = log_failure(error, where)
        ack(response_action="errors", errors={error_field: texts.internal_error(reference)})
        return
    if result is None:
        ack()  # a replayed submission: the first one was answered
    elif isinstance(result, FormErrors):
        ack(response_action="errors", errors=result.errors)
    elif isinstance(result, MeetingFormRequest):
        ack(response_action="update", view=meeting_modal(result))
    else:
        ack(response_action="update", view=result_modal(done_title, result))


def register(app: App, service: Klimanet) -> None:
    @app.view(CALLBACK_REGISTER)
    def submit_registration(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        answer_form(
            ack,
            lambda: service.submit_registration_form(
                actor_from_body(body), registration_form(view)
            ),
            once_in(context),
            where="registration form",
            error_field=RegistrationField.MUNICIPALITY,
            done_title=texts.FORM_RESULT_TITLE,
        )

    @app.view(CALLBACK_MEETING)
    def submit_meeting(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        number = metadata_of(view).get("number")
        answer_form(
            ack,
            lambda: service.submit_meeting_form(
                actor_from_body(body),
                number if isinstance(number, int) and not isinstance(number, bool) else None,
                meeting_form(view),
            ),
            once_in(context),
            where="meeting form",
            error_field=MeetingField.TITLE,
            done_title=texts.MEETING_FORM_DONE_TITLE,
        )
