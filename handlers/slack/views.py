"""Modal submissions. Slack wants validation errors in the ack itself.

The meeting form's fields are checked in the ack without the database (every bad field at
once, next to it); a form that passes is acknowledged with "Gemmer mødet …" and saved after the
ack, and the modal is then updated with the result or a warning to save it anyway. The
registration form goes the same way: its fields are checked in the ack without the database
("Tilmelder dig …"), the registration is made after the ack, and the modal then shows it, or why
not (a seat taken meanwhile). The fagområder form still answers from one short transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

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
    CALLBACK_THEMES,
    form_values,
    meeting_modal,
    plain_text,
    result_modal,
    saving_modal,
)
from handlers.slack.commands import metadata_of
from handlers.slack.common import (
    Background,
    acting_once,
    actor_from_body,
    log_failure,
    once_in,
)

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


def chosen_themes(view: dict[str, Any]) -> tuple[str, ...]:
    return tuple(t for t in form_values(view).get(RegistrationField.THEMES) or [] if t)


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
        ack(
            response_action="errors",
            errors={error_field: plain_text(texts.common.internal_error(reference))},
        )
        return
    if result is None:
        ack()  # a replayed submission: the first one was answered
    elif isinstance(result, FormErrors):
        ack(response_action="errors", errors=result.errors)
    elif isinstance(result, MeetingFormRequest):
        ack(response_action="update", view=meeting_modal(result))
    else:
        ack(response_action="update", view=result_modal(done_title, result))


def register(app: App, service: Klimanet, background: Background) -> None:
    @app.view(CALLBACK_REGISTER)
    def submit_registration(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        form = registration_form(view)
        try:
            problems = service.check_registration_form(form)  # no database: fit for the ack
        except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
            reference = log_failure(error, "registration form")
            ack(
                response_action="errors",
                errors={RegistrationField.MUNICIPALITY: texts.common.internal_error(reference)},
            )
            return
        if problems is not None:
            ack(response_action="errors", errors=problems.errors)
            return
        ack(
            response_action="update",
            view=saving_modal(
                texts.registration.FORM_RESULT_TITLE, texts.registration.REGISTRATION_FORM_SAVING
            ),
        )
        actor = actor_from_body(body)
        view_id = str(view.get("id") or "")
        background.run(
            "registration form",
            None,
            lambda: _save_registration(
                client, view_id, lambda: service.save_registration_form(actor, form)
            ),
            once_in(context),
        )

    @app.view(CALLBACK_THEMES)
    def submit_themes(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        answer_form(
            ack,
            lambda: service.submit_themes_form(actor_from_body(body), chosen_themes(view)),
            once_in(context),
            where="themes form",
            error_field=RegistrationField.THEMES,
            done_title=texts.themes.THEMES_FORM_DONE_TITLE,
        )

    @app.view(CALLBACK_MEETING)
    def submit_meeting(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        number = metadata_of(view).get("number")
        number = number if isinstance(number, int) and not isinstance(number, bool) else None
        form = meeting_form(view)
        try:
            problems = service.check_meeting_form(form)  # no database: fit for the ack
        except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
            reference = log_failure(error, "meeting form")
            ack(
                response_action="errors",
                errors={MeetingField.TITLE: plain_text(texts.common.internal_error(reference))},
            )
            return
        if problems.errors:
            ack(response_action="errors", errors=problems.errors)
            return
        ack(
            response_action="update",
            view=saving_modal(
                texts.meetings.MEETING_FORM_EDIT_TITLE
                if number is not None
                else texts.meetings.MEETING_FORM_TITLE,
                texts.meetings.MEETING_FORM_SAVING,
            ),
        )
        actor = actor_from_body(body)
        view_id = str(view.get("id") or "")
        background.run(
            "meeting form",
            None,
            lambda: _save_meeting(
                client, view_id, lambda: service.submit_meeting_form(actor, number, form)
            ),
            once_in(context),
        )


def _save_registration(client: WebClient, view_id: str, submit: Callable[[], Reply]) -> None:
    """After the ack: register, then turn the "saving" modal into the answer (a refusal only
    the database knows, such as a taken seat, is shown there)."""
    try:
        result = submit()
    except Exception as error:  # noqa: BLE001 - the reference in the modal, the traceback logged
        reference = log_failure(error, "registration form")
        result = Reply((texts.common.internal_error(reference),))
    refused = result.result is None or result.result.error is not None
    title = (
        texts.registration.REGISTRATION_FORM_NOT_SAVED
        if refused
        else texts.registration.FORM_RESULT_TITLE
    )
    client.views_update(view_id=view_id, view=result_modal(title, result))


def _save_meeting(
    client: WebClient,
    view_id: str,
    submit: Callable[[], Reply | FormErrors | MeetingFormRequest],
) -> None:
    """After the ack: save, then turn the "saving" modal into the answer."""
    try:
        result = submit()
    except Exception as error:  # noqa: BLE001 - the reference in the modal, the traceback logged
        reference = log_failure(error, "meeting form")
        result = FormErrors({MeetingField.TITLE: texts.common.internal_error(reference)})
    if isinstance(result, MeetingFormRequest):
        shown = meeting_modal(result)  # the form again, filled in, with the warning
    elif isinstance(result, FormErrors):  # what only the database knows (who may plan, …)
        refusal = Reply(tuple(result.errors.values()))
        shown = result_modal(texts.meetings.MEETING_FORM_NOT_SAVED, refusal)
    else:
        shown = result_modal(texts.meetings.MEETING_FORM_DONE_TITLE, result)
    client.views_update(view_id=view_id, view=shown)
