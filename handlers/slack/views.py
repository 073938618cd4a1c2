"""Modal submissions. Slack wants validation errors in the ack itself.

The meeting form's fields are checked in the ack without the database (every bad field at
once, next to it); a form that passes is acknowledged with "Gemmer mødet …" and saved after the
ack, and the modal is then updated with the result or a warning to save it anyway. The
registration form goes the same way: its fields are checked in the ack without the database
("Tilmelder dig …"), the registration is made after the ack, and the modal then shows it, or why
not (a seat taken meanwhile). The fagområder form (and the poll form, poll_form.py) go the same
way (``save_after_ack``): what the ack can check without the database is answered next to the
field; the rest (the network's current list, who may open a poll) when saving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    actor_from_body,
    log_failure,
    once_in,
)

SEAT_KINDS = {kind.value for kind in SeatKind}


@dataclass(frozen=True)
class SavedForm:
    """How a form saved after its ack speaks: the modal's title and text while it is saved, its
    title when saved and when refused, and the field an unexpected error is shown next to."""

    where: str
    saving_title: str
    saving_text: str
    done_title: str
    refused_title: str
    error_field: str


THEMES_FORM = SavedForm(
    where="themes form",
    saving_title=texts.themes.THEMES_FORM_TITLE,
    saving_text=texts.themes.THEMES_FORM_SAVING,
    done_title=texts.themes.THEMES_FORM_DONE_TITLE,
    refused_title=texts.themes.THEMES_FORM_NOT_SAVED,
    error_field=RegistrationField.THEMES,
)


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


def offered_themes(view: dict[str, Any]) -> tuple[str, ...]:
    """The fagområder the submitted form offered (its select's options, as the modal was built):
    what the ack can check a choice against without the database."""
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("block_id") == RegistrationField.THEMES:
            element = block.get("element") or {}
            options = element.get("options") if isinstance(element, dict) else None
            return tuple(
                str(o["value"]) for o in options or [] if isinstance(o, dict) and o.get("value")
            )
    return ()


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
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        chosen = chosen_themes(view)
        actor = actor_from_body(body)
        save_after_ack(
            ack,
            background,
            client,
            (view, context),
            lambda: service.check_themes_form(chosen, offered_themes(view)),
            lambda: service.save_themes_form(actor, chosen),
            THEMES_FORM,
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
    save_then_show(
        client,
        view_id,
        submit,
        where="registration form",
        done_title=texts.registration.FORM_RESULT_TITLE,
        refused_title=texts.registration.REGISTRATION_FORM_NOT_SAVED,
    )


def save_then_show(
    client: WebClient,
    view_id: str,
    submit: Callable[[], Reply],
    *,
    where: str,
    done_title: str,
    refused_title: str,
) -> None:
    """After a form's ack, on the work pool: save, then turn the "saving" modal into the answer,
    or into the refusal that only the database could give."""
    try:
        result = submit()
    except Exception as error:  # noqa: BLE001 - the reference in the modal, the traceback logged
        reference = log_failure(error, where)
        result = Reply((texts.common.internal_error(reference),))
    refused = result.result is None or result.result.error is not None
    title = refused_title if refused else done_title
    client.views_update(view_id=view_id, view=result_modal(title, result))


def save_after_ack(
    ack: Ack,
    background: Background,
    client: WebClient,
    request: tuple[dict[str, Any], BoltContext],
    problems: Callable[[], FormErrors | None],
    submit: Callable[[], Reply],
    form: SavedForm,
) -> None:
    """A form whose answers are checked in the ack without the database (errors next to their
    fields), then saved on the work pool: the modal says "saving" until it is updated with the
    result. ``request``: the submission's view and Bolt's context."""
    view, context = request
    try:
        found = problems()
    except Exception as error:  # noqa: BLE001 - show the reference in the modal, not a crash
        reference = log_failure(error, form.where)
        ack(
            response_action="errors",
            errors={form.error_field: plain_text(texts.common.internal_error(reference))},
        )
        return
    if found is not None:
        ack(response_action="errors", errors=found.errors)
        return
    ack(response_action="update", view=saving_modal(form.saving_title, form.saving_text))
    view_id = str(view.get("id") or "")
    background.run(
        form.where,
        None,
        lambda: save_then_show(
            client,
            view_id,
            submit,
            where=form.where,
            done_title=form.done_title,
            refused_title=form.refused_title,
        ),
        once_in(context),
    )


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
