"""Slack's modals as Adaptive Card forms, and a person's Home as a card.

Each card is rendered from the same neutral form request the core answers with (and Slack's
modals render): ``RegistrationFormRequest``, ``MeetingFormRequest``, ``PollFormRequest``,
``ThemesFormRequest``; its inputs carry the same field ids (``RegistrationField``,
``MeetingField``, ``PollField``). The card's one ``Action.Submit`` carries the form's id in its
data, and Teams merges the inputs into the submitted value.

A submitted card is read strictly (an unknown form, a field the form does not have, a value that
is not text or longer than any field allows: nothing is written, the person is told in Danish),
then answered by the same core validation as Slack's modals: errors come back as the same card,
updated in place, with the values kept and each error under its field; success replaces the card
with the result, without buttons (a second submit cannot act twice).

Member-typed values are data: in inputs they are values (never read as markup), and where the
card shows them as text (an error naming what was typed) they are ``TextRun``s, which Adaptive
Cards never read as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot import texts
from bot.domain.registration import Actor
from bot.models import MeetingFormat, SeatKind
from bot.replies import (
    Button,
    FeedbackField,
    FeedbackFormRequest,
    FormErrors,
    Home,
    HomeAction,
    HomeHeader,
    HomeSection,
    MeetingField,
    MeetingFormRequest,
    Outcome,
    PollField,
    PollFormRequest,
    RegistrationField,
    RegistrationFormRequest,
    Reply,
    Result,
    ResultKind,
    ThemesFormRequest,
)
from bot.service.klimanet import FeedbackForm, Klimanet, MeetingForm, PollForm, RegistrationForm
from bot.texts import loop as loop_texts
from bot.texts import polls as poll_texts
from handlers.teams import cards

# Where the submitted data says which form it is (beside the inputs' values).
FORM_KEY = "klimanet_form"
# The meeting form's own data: which meeting it edits, and the warning it may be saved despite.
NUMBER_KEY = "klimanet_number"
GO_AHEAD_KEY = "klimanet_go_ahead"
# No field takes more (the poll's options: 1000; a long list of fagområder comma-joined):
# anything longer did not come from the card.
MAX_VALUE_CHARS = 4000
KIND_AUTO = "auto"
TOGGLE_ON = "true"


class FormId(StrEnum):
    REGISTRATION = "registration"
    MEETING = "meeting"
    POLL = "poll"
    THEMES = "themes"
    FEEDBACK = "feedback"


_FIELDS: dict[FormId, frozenset[str]] = {
    FormId.REGISTRATION: frozenset(RegistrationField),
    FormId.MEETING: frozenset(MeetingField) | {NUMBER_KEY, GO_AHEAD_KEY},
    FormId.POLL: frozenset(PollField),
    FormId.THEMES: frozenset({RegistrationField.THEMES}),
    FormId.FEEDBACK: frozenset(FeedbackField) | {NUMBER_KEY},
}


@dataclass(frozen=True)
class CardAnswer:
    """An Adaptive Card to show: a new message, or (``replace``) the submitted card updated."""

    content: dict[str, Any]
    replace: bool = False
    form: FormId | None = None
    result: Result | None = None


@dataclass(frozen=True)
class Submitted:
    form: FormId
    values: dict[str, str]


def read_submit(value: Mapping[str, Any]) -> Submitted | None:
    """The submitted form, or None when the data did not come from one of our cards."""
    try:
        form = FormId(str(value.get(FORM_KEY)))
    except ValueError:
        return None
    values: dict[str, str] = {}
    for key, given in value.items():
        if key == FORM_KEY:
            continue
        if key not in _FIELDS[form] or not isinstance(given, str):
            return None
        if len(given) > MAX_VALUE_CHARS:
            return None
        values[key] = given
    number = values.get(NUMBER_KEY, "")
    if number and not (number.isascii() and number.isdigit() and len(number) <= 6):
        return None
    return Submitted(form, values)


def forged() -> CardAnswer:
    """The answer to a submit that did not come from our card: a new message (the card stays
    as it was, so a real form can still be sent)."""
    body = [_plain(texts.teams.TEAMS_FORM_UNREADABLE)]
    content = {
        "type": "AdaptiveCard",
        "$schema": cards.CARD_SCHEMA,
        "version": cards.CARD_VERSION,
        "body": body,
    }
    return CardAnswer(content, result=Result(ResultKind.UNKNOWN_BUTTON))


# -- card pieces ----------------------------------------------------------------------------


def _plain(text: str, **style: Any) -> dict[str, Any]:
    """Text shown exactly as written: a TextRun is never read as Markdown."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text, **style}]}


def _marked(marked: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": cards.teams_markdown(marked), "wrap": True}


def _text(
    field: str,
    label: str,
    value: str,
    *,
    placeholder: str = "",
    limit: int,
    multiline: bool = False,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "Input.Text",
        "id": field,
        "label": label,
        "maxLength": limit,
        "value": value,
    }
    if placeholder:
        found["placeholder"] = placeholder
    if multiline:
        found["isMultiline"] = True
    return found


def _choices(
    field: str,
    label: str,
    choices: list[tuple[str, str]],
    value: str,
    *,
    multi: bool = False,
    expanded: bool = False,
    placeholder: str = "",
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": field,
        "label": label,
        "choices": [{"title": title[:150], "value": key} for title, key in choices],
        "value": value,
        "isMultiSelect": multi,
        "style": "expanded" if expanded else "filtered",
    }
    if placeholder:
        found["placeholder"] = placeholder
    return found


def _input(kind: str, field: str, label: str, value: str) -> dict[str, Any]:
    return {"type": kind, "id": field, "label": label, "value": value}


def _themes(field: str, label: str, options: tuple[str, ...], chosen: tuple[str, ...]) -> list[Any]:
    """The network's themes, those chosen checked (as people write them: 'klimaplaner' is
    'Klimaplaner'); nothing when the network has none. A multi-select's value joins them with
    commas, so a theme is named by its place in the list."""
    if not options:
        return []
    wanted = {theme.casefold() for theme in chosen}
    picked = ",".join(str(i) for i, theme in enumerate(options) if theme.casefold() in wanted)
    listed = [(theme, str(i)) for i, theme in enumerate(options)]
    return [_choices(field, label, listed, picked, multi=True, expanded=len(options) <= 8)]


def _chosen_themes(value: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """The themes a multi-select's value names (by place; anything else is no theme)."""
    found: list[str] = []
    for piece in value.split(","):
        piece = piece.strip()
        if piece.isascii() and piece.isdigit() and int(piece) < len(options):
            found.append(options[int(piece)])
    return tuple(found)


def _card(
    title: str, body: list[dict[str, Any]], submit: str, data: dict[str, str]
) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": cards.CARD_SCHEMA,
        "version": cards.CARD_VERSION,
        "body": [_plain(title, weight="Bolder", size="Medium"), *body],
        "actions": [{"type": "Action.Submit", "title": submit, "style": "positive", "data": data}],
    }


# -- the forms ------------------------------------------------------------------------------


def registration_card(service: Klimanet, request: RegistrationFormRequest) -> dict[str, Any]:
    municipalities = [
        (f"{m.name} ({region})", str(m.code))
        for region, members in service.directory.by_region()
        for m in members
    ]
    kinds = [
        (texts.registration.FORM_KIND_AUTO, KIND_AUTO),
        (texts.registration.FORM_KIND_FIXED, SeatKind.FIXED.value),
        (texts.registration.FORM_KIND_FLEXIBLE, SeatKind.FLEXIBLE.value),
    ]
    kind = request.prefill_kind.value if request.prefill_kind else KIND_AUTO
    body = [
        _marked(texts.registration.FORM_INTRO),
        _choices(
            RegistrationField.MUNICIPALITY,
            texts.registration.FORM_MUNICIPALITY,
            municipalities,
            str(request.prefill_municipality or ""),
            placeholder=texts.registration.FORM_MUNICIPALITY_PLACEHOLDER,
        ),
        _choices(RegistrationField.KIND, texts.registration.FORM_KIND, kinds, kind, expanded=True),
        _text(
            RegistrationField.TITLE,
            texts.registration.FORM_TITLE_FIELD,
            request.title,
            placeholder=texts.registration.FORM_TITLE_PLACEHOLDER,
            limit=150,
        ),
        *_themes(
            RegistrationField.THEMES,
            texts.registration.FORM_THEMES,
            request.theme_options,
            request.themes,
        ),
    ]
    data = {FORM_KEY: FormId.REGISTRATION.value}
    return _card(texts.registration.FORM_TITLE, body, texts.registration.FORM_SUBMIT, data)


def meeting_card(request: MeetingFormRequest) -> dict[str, Any]:
    formats = [
        (texts.meetings.FORMAT_LABELS[fmt.value].capitalize(), fmt.value) for fmt in MeetingFormat
    ]
    known = {value for _, value in formats}
    body = [
        *([_marked(request.warning)] if request.warning else []),
        _text(
            MeetingField.TITLE,
            texts.meetings.MEETING_FORM_TITLE_FIELD,
            request.title,
            placeholder=texts.meetings.MEETING_FORM_TITLE_PLACEHOLDER,
            limit=200,
        ),
        *_themes(
            MeetingField.THEMES,
            texts.meetings.MEETING_FORM_THEMES,
            request.theme_options,
            request.themes,
        ),
        _input(
            "Input.Date",
            MeetingField.DATE,
            texts.meetings.MEETING_FORM_DATE,
            request.date.isoformat() if request.date else "",
        ),
        _input(
            "Input.Time",
            MeetingField.TIME,
            texts.meetings.MEETING_FORM_START,
            request.start or "10:00",
        ),
        _input(
            "Input.Time", MeetingField.END, texts.meetings.MEETING_FORM_END, request.end or "12:00"
        ),
        _choices(
            MeetingField.FORMAT,
            texts.meetings.MEETING_FORM_FORMAT,
            formats,
            request.format if request.format in known else formats[0][1],
            expanded=True,
        ),
        _text(
            MeetingField.LINK,
            texts.meetings.MEETING_FORM_LINK,
            request.link,
            placeholder=texts.meetings.MEETING_FORM_LINK_PLACEHOLDER,
            limit=500,
        ),
        _text(
            MeetingField.LOCATION,
            texts.meetings.MEETING_FORM_LOCATION,
            request.location,
            placeholder=texts.meetings.MEETING_FORM_LOCATION_PLACEHOLDER,
            limit=500,
        ),
    ]
    editing = request.number is not None
    data = {
        FORM_KEY: FormId.MEETING.value,
        NUMBER_KEY: str(request.number) if editing else "",
        GO_AHEAD_KEY: request.go_ahead,
    }
    title = texts.meetings.MEETING_FORM_EDIT_TITLE if editing else texts.meetings.MEETING_FORM_TITLE
    return _card(title, body, texts.meetings.MEETING_FORM_SUBMIT, data)


def poll_card(request: PollFormRequest) -> dict[str, Any]:
    body = [
        _text(
            PollField.QUESTION,
            poll_texts.FORM_QUESTION,
            "",
            placeholder=poll_texts.FORM_QUESTION_PLACEHOLDER,
            limit=300,
        ),
        _text(
            PollField.OPTIONS,
            poll_texts.FORM_OPTIONS,
            "",
            placeholder=poll_texts.FORM_OPTIONS_PLACEHOLDER,
            limit=1000,
            multiline=True,
        ),
        _input(
            "Input.Date",
            PollField.DATE,
            poll_texts.FORM_DATE,
            request.today.isoformat() if request.today else "",
        ),
        _input("Input.Time", PollField.TIME, poll_texts.FORM_TIME, "12:00"),
        {
            "type": "Input.Toggle",
            "id": PollField.MULTIPLE,
            "title": poll_texts.FORM_MULTIPLE_OPTION,
            "label": poll_texts.FORM_MULTIPLE,
            "value": "false",
            "valueOn": TOGGLE_ON,
            "valueOff": "false",
        },
    ]
    data = {FORM_KEY: FormId.POLL.value}
    return _card(poll_texts.FORM_TITLE, body, poll_texts.FORM_SUBMIT, data)


def feedback_card(request: FeedbackFormRequest) -> dict[str, Any]:
    """ "Skriv en kommentar": the rating, the comment and whether to sign it; the meeting travels
    in the submit's data (the person is who submits it)."""
    ratings = [(label, label) for label in loop_texts.FEEDBACK_LABELS]
    body = [
        *([_plain(request.meeting)] if request.meeting else []),
        _choices(
            FeedbackField.RATING,
            loop_texts.FEEDBACK_FORM_RATING,
            ratings,
            str(request.rating or ""),
            expanded=True,
        ),
        _text(
            FeedbackField.COMMENT,
            loop_texts.FEEDBACK_FORM_COMMENT,
            request.comment,
            placeholder=loop_texts.FEEDBACK_FORM_COMMENT_PLACEHOLDER,
            limit=2000,
            multiline=True,
        ),
        {
            "type": "Input.Toggle",
            "id": FeedbackField.SIGNED,
            "title": loop_texts.FEEDBACK_FORM_SIGNED_OPTION,
            "label": loop_texts.FEEDBACK_FORM_SIGNED,
            "value": TOGGLE_ON if request.signed else "false",
            "valueOn": TOGGLE_ON,
            "valueOff": "false",
        },
    ]
    data = {FORM_KEY: FormId.FEEDBACK.value, NUMBER_KEY: str(request.meeting_id)}
    return _card(loop_texts.FEEDBACK_FORM_TITLE, body, loop_texts.FEEDBACK_FORM_SUBMIT, data)


def themes_card(request: ThemesFormRequest) -> dict[str, Any]:
    body = [
        _marked(texts.themes.THEMES_FORM_INTRO),
        *_themes(
            RegistrationField.THEMES,
            texts.themes.THEMES_FORM_FIELD,
            request.theme_options,
            request.themes,
        ),
    ]
    data = {FORM_KEY: FormId.THEMES.value}
    return _card(texts.themes.THEMES_FORM_TITLE, body, texts.themes.THEMES_FORM_SUBMIT, data)


def with_answers(
    content: dict[str, Any], values: Mapping[str, str], errors: Mapping[str, str]
) -> dict[str, Any]:
    """The card again as submitted: each input holding what was given, each error under its
    field (an error for a field the card has not, at the top). Errors are plain text."""
    body: list[dict[str, Any]] = []
    placed: set[str] = set()
    for element in content["body"]:
        field = element.get("id")
        if field in values and str(element.get("type", "")).startswith("Input."):
            element = {**element, "value": values[field]}
        body.append(element)
        if field in errors:
            body.append(_plain(errors[field], color="Attention"))
            placed.add(field)
    rest = [
        _plain(error, color="Attention") for field, error in errors.items() if field not in placed
    ]
    return {**content, "body": [body[0], *rest, *body[1:]]}


# -- the Home -------------------------------------------------------------------------------


def home_card(home: Home) -> dict[str, Any]:
    """A person's Home as one card, from the same model as Slack's App Home: its header, each
    section with its own buttons below it. A picture Slack uploads is named by a line instead
    (``overblik`` brings it), and a colleague picker by the command that does the same."""
    body: list[dict[str, Any]] = []
    for part in home.parts:
        if isinstance(part, HomeHeader):
            body.append(_plain(part.text, weight="Bolder", size="Large"))
        elif isinstance(part, HomeSection):
            body.append({**_marked(part.text), "separator": True})
            body.extend(
                _plain(texts.teams.teams_pick_hint(pick.command), isSubtle=True)
                for pick in part.picks
            )
            buttons = [
                _home_button(b) for b in part.buttons if b.action_id != HomeAction.OPEN_PICTURE
            ]
            if buttons:
                body.append({"type": "ActionSet", "actions": buttons})
            if part.context:
                body.append({**_marked(part.context), "isSubtle": True, "size": "Small"})
        else:
            body.append(_plain(texts.teams.TEAMS_HOME_PICTURE, isSubtle=True))
    body.append({**_plain(texts.teams.TEAMS_HOME_FOOTER, isSubtle=True), "separator": True})
    return _fit_home(body)


def _home_button(button: Button) -> dict[str, Any]:
    action = cards.submit_action(button)
    return {**action, "data": {**action["data"], cards.HOME_KEY: "1"}}


def _fit_home(body: list[dict[str, Any]]) -> dict[str, Any]:
    """Under 80 KB: parts are dropped from the end, and a last line says so."""

    def content(kept: list[dict[str, Any]], cut: bool) -> dict[str, Any]:
        shown = [*kept, _plain(texts.teams.TEAMS_CUT_SHORT, isSubtle=True)] if cut else kept
        return {
            "type": "AdaptiveCard",
            "$schema": cards.CARD_SCHEMA,
            "version": cards.CARD_VERSION,
            "body": shown,
        }

    found = content(body, False)
    kept = list(body)
    while kept and cards.size_of(cards.card_activity(found)) > cards.MAX_ACTIVITY_BYTES:
        kept.pop()
        found = content(kept, True)
    return found


# -- acting on them -------------------------------------------------------------------------


class TeamsForms:
    """Opens the forms the core asks for, and answers their submits through the core."""

    def __init__(self, service: Klimanet) -> None:
        self._service = service

    def opened(
        self, request: Outcome | ThemesFormRequest | FeedbackFormRequest
    ) -> CardAnswer | Reply:
        """A new message with the form the command (or a Home button) asked for."""
        if isinstance(request, Reply):
            return request
        if isinstance(request, RegistrationFormRequest):
            return CardAnswer(registration_card(self._service, request), form=FormId.REGISTRATION)
        if isinstance(request, MeetingFormRequest):
            return CardAnswer(meeting_card(request), form=FormId.MEETING)
        if isinstance(request, PollFormRequest):
            return CardAnswer(poll_card(request), form=FormId.POLL)
        if isinstance(request, FeedbackFormRequest):
            return CardAnswer(feedback_card(request), form=FormId.FEEDBACK)
        return CardAnswer(themes_card(request), form=FormId.THEMES)

    def home_button(self, actor: Actor, action_id: str, value: str) -> CardAnswer | Reply | None:
        """A button the platform answers itself (Slack opens a modal), or None."""
        if action_id == HomeAction.REGISTER:
            return self.opened(self._service.open_registration(actor))
        if action_id == HomeAction.REGISTER_PREFILLED:  # a nudge's "Tilmeld en kollega"
            return self.opened(self._service.open_registration_prefilled(actor, value))
        if action_id == HomeAction.THEMES:
            return self.opened(self._service.themes_form(actor))
        if action_id == HomeAction.FEEDBACK_FORM:  # "Skriv en kommentar" after a meeting
            return self.opened(self._service.feedback_form(actor, value))
        return None

    def home(self, actor: Actor) -> CardAnswer:
        home = self._service.home(actor)
        return CardAnswer(home_card(home), result=home.result)

    def submit(self, actor: Actor, value: Mapping[str, Any]) -> CardAnswer | Reply:
        """A submitted form: the same card with errors, the meeting form again with a warning,
        or the result (which replaces the card, without buttons)."""
        submitted = read_submit(value)
        if submitted is None:
            return forged()
        values = submitted.values
        if submitted.form is FormId.MEETING:
            return self._meeting(actor, values)
        if submitted.form is FormId.FEEDBACK:
            return self._feedback(actor, values)
        if submitted.form is FormId.POLL:
            outcome = self._service.submit_poll_form(actor, _poll_form(values))
            return self._answered(outcome, values, lambda: poll_card(PollFormRequest()))
        options = self._service.themes_form(actor).theme_options
        themes = _chosen_themes(values.get(RegistrationField.THEMES, ""), options)
        if submitted.form is FormId.THEMES:
            outcome = self._service.submit_themes_form(actor, themes)
            again = ThemesFormRequest(theme_options=options)
            return self._answered(outcome, values, lambda: themes_card(again))
        form = _registration_form(values, themes)
        outcome = self._service.submit_registration_form(actor, form)
        request = RegistrationFormRequest(theme_options=options)
        return self._answered(outcome, values, lambda: registration_card(self._service, request))

    def _feedback(self, actor: Actor, values: dict[str, str]) -> CardAnswer | Reply:
        number = values.get(NUMBER_KEY, "")
        form = FeedbackForm(
            meeting_id=int(number) if number else 0,
            rating=values.get(FeedbackField.RATING, ""),
            comment=values.get(FeedbackField.COMMENT, ""),
            signed=values.get(FeedbackField.SIGNED) == TOGGLE_ON,
        )
        again = FeedbackFormRequest(meeting_id=form.meeting_id, number=0, meeting="")
        problems = self._service.check_feedback_form(form)
        if problems is not None:
            return self._answered(problems, values, lambda: feedback_card(again))
        return self._answered(
            self._service.save_feedback_form(actor, form), values, lambda: feedback_card(again)
        )

    def _meeting(self, actor: Actor, values: dict[str, str]) -> CardAnswer | Reply:
        options = self._service.themes_form(actor).theme_options
        number_text = values.get(NUMBER_KEY, "")
        number = int(number_text) if number_text else None
        form = MeetingForm(
            title=values.get(MeetingField.TITLE, ""),
            date=values.get(MeetingField.DATE, ""),
            start=values.get(MeetingField.TIME, ""),
            end=values.get(MeetingField.END, ""),
            format=values.get(MeetingField.FORMAT, ""),
            location=values.get(MeetingField.LOCATION, ""),
            themes=_chosen_themes(values.get(MeetingField.THEMES, ""), options),
            link=values.get(MeetingField.LINK, ""),
            go_ahead=values.get(GO_AHEAD_KEY, ""),
        )
        outcome = self._service.submit_meeting_form(actor, number, form)
        if isinstance(outcome, MeetingFormRequest):  # a warning: save it anyway, or change it
            shown = meeting_card(replace(outcome, theme_options=options))
            return CardAnswer(shown, replace=True, form=FormId.MEETING)
        again = MeetingFormRequest(number=number, theme_options=options)
        return self._answered(outcome, values, lambda: meeting_card(again))

    def _answered(
        self,
        outcome: Reply | FormErrors,
        values: dict[str, str],
        card: Callable[[], dict[str, Any]],
    ) -> CardAnswer | Reply:
        if isinstance(outcome, FormErrors):
            shown = with_answers(card(), values, outcome.errors)
            return CardAnswer(shown, replace=True, result=Result(ResultKind.REFUSED))
        return replace(outcome, buttons=(), picks=())


def _poll_form(values: Mapping[str, str]) -> PollForm:
    closing = f"{values.get(PollField.DATE, '')} {values.get(PollField.TIME, '')}"
    return PollForm(
        values.get(PollField.QUESTION, ""),
        tuple(values.get(PollField.OPTIONS, "").splitlines()),
        closing.strip(),
        values.get(PollField.MULTIPLE) == TOGGLE_ON,
    )


def _registration_form(values: Mapping[str, str], themes: tuple[str, ...]) -> RegistrationForm:
    code = values.get(RegistrationField.MUNICIPALITY, "")
    kind = values.get(RegistrationField.KIND, "")
    return RegistrationForm(
        municipality_code=int(code)
        if code.isascii() and code.isdigit() and len(code) <= 4
        else None,
        kind=SeatKind(kind) if kind in {k.value for k in SeatKind} else None,
        title=values.get(RegistrationField.TITLE, ""),
        themes=themes,
    )
