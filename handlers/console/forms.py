"""The forms as questions: registration (``tilmeld``) and a meeting (``møde opret``, ``møde ret``).
An empty answer to the first question cancels."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from bot import texts
from bot.domain.errors import DomainError
from bot.domain.registration import Actor
from bot.models import SeatKind
from bot.replies import (
    FormErrors,
    MeetingField,
    MeetingFormRequest,
    RegistrationField,
    RegistrationFormRequest,
    Reply,
    ThemesFormRequest,
)
from bot.service.klimanet import Klimanet, MeetingForm, RegistrationForm
from bot.service.parsing import FORMAT_WORDS, fold
from bot.texts.dates import example_days, short_day
from bot.texts.edge import console_pick_question, console_themes_question


class Console(Protocol):
    """What a form needs of the console: the service, who is asking, questions and answers."""

    service: Klimanet

    def actor(self) -> Actor: ...

    def ask(self, question: str) -> str | None: ...

    def say(self, text: str) -> None: ...

    def show(self, reply: Reply) -> None: ...


def _municipality(console: Console) -> int | None:
    """The municipality's code; a "Mente du …?" answer is offered as numbers."""
    directory = console.service.directory
    suggested: list[int] = []
    while True:
        answer = console.ask(
            f"{texts.registration.FORM_MUNICIPALITY} (navn eller kode, tom = annullér): "
        )
        if not answer:
            console.say(texts.edge.CONSOLE_REGISTRATION_CANCELLED)
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(suggested):
            return suggested[int(answer) - 1]
        try:
            return directory.resolve(answer).code
        except DomainError as err:
            console.say(texts.common.plain(texts.errors.error(err, console.service.today())))
            suggested = list(err.params.get("codes") or [])
            if suggested:
                names = "   ".join(
                    f"[{n}] {directory.name_of(code)}" for n, code in enumerate(suggested, 1)
                )
                console.say(f"{names}  {texts.edge.CONSOLE_FORM_MUNICIPALITY_SUGGESTIONS}")


def _kind(console: Console) -> SeatKind | None | bool:
    """The seat kind (None: whatever is free); False when the input ended."""
    kinds = {"1": None, "2": SeatKind.FIXED, "3": SeatKind.FLEXIBLE, "": None}
    while True:
        answer = console.ask(
            f"{texts.registration.FORM_KIND}: [1] {texts.registration.FORM_KIND_AUTO}  [2] {texts.registration.FORM_KIND_FIXED}  "
            f"[3] {texts.registration.FORM_KIND_FLEXIBLE} (tom = 1): "
        )
        if answer is None:
            return False
        if answer in kinds:
            return kinds[answer]
        console.say(texts.edge.CONSOLE_ANSWER_KIND)


def _ask_title(console: Console) -> str | None:
    return console.ask(
        f"{texts.registration.FORM_TITLE_FIELD} ({texts.registration.FORM_TITLE_PLACEHOLDER}, valgfri): "
    )


def _reasked(
    console: Console, form: RegistrationForm, request: RegistrationFormRequest, field: str
) -> RegistrationForm | None:
    """The form with one field asked again (the others kept as answered); None: input ended."""
    if field == RegistrationField.KIND:
        kind = _kind(console)
        if kind is False:
            return None
        return replace(form, kind=kind if isinstance(kind, SeatKind) else None)
    if field == RegistrationField.TITLE:
        title = _ask_title(console)
        return None if title is None else replace(form, title=title)
    if field == RegistrationField.THEMES:
        themes = pick_themes(console, texts.registration.FORM_THEMES, request.theme_options, ())
        return None if themes is None else replace(form, themes=tuple(themes))
    code = _municipality(console)
    return None if code is None else replace(form, municipality_code=code)


_REGISTRATION_LABELS: dict[str, str] = {
    RegistrationField.MUNICIPALITY: texts.registration.FORM_MUNICIPALITY,
    RegistrationField.KIND: texts.registration.FORM_KIND,
    RegistrationField.TITLE: texts.registration.FORM_TITLE_FIELD,
    RegistrationField.THEMES: texts.registration.FORM_THEMES,
}


def registration_form(console: Console, request: RegistrationFormRequest) -> None:
    console.say(texts.common.plain(texts.registration.FORM_INTRO))
    code: int | None
    kind: SeatKind | None | bool
    if request.prefill_municipality is not None:  # a nudge's "Tilmeld en kollega"
        code, kind = request.prefill_municipality, request.prefill_kind
        name = console.service.directory.name_of(code)
        console.say(texts.loop.registration_prefilled(name, kind))
    else:
        code = _municipality(console)
        if code is None:
            return
        kind = _kind(console)
        if kind is False:
            return
    title = _ask_title(console)
    if title is None:
        return
    themes = pick_themes(console, texts.registration.FORM_THEMES, request.theme_options, ())
    if themes is None:
        return
    form: RegistrationForm | None = RegistrationForm(
        code, kind if isinstance(kind, SeatKind) else None, title, themes
    )
    while form is not None:
        result = console.service.submit_registration_form(console.actor(), form)
        if not isinstance(result, FormErrors):
            console.show(result)
            return
        # A field the database refused (a seat just taken, a title too long): that field is
        # asked again, and everything else answered stays.
        field, message = next(iter(result.errors.items()))
        console.say(
            f"{_REGISTRATION_LABELS.get(field, texts.registration.FORM_MUNICIPALITY)}: {message}"
        )
        form = _reasked(console, form, request, field)


def themes_form(console: Console, request: ThemesFormRequest) -> None:
    """One's fagområder as a question: the numbers, or the names as in ``fagområder``; "ingen"
    clears them, an empty answer keeps them. A wrong answer is asked again, with the list."""
    console.say(texts.common.plain(texts.themes.THEMES_FORM_INTRO))
    numbered = "  ".join(f"[{i}] {t}" for i, t in enumerate(request.theme_options, 1))
    now = f" [{', '.join(request.themes)}]" if request.themes else ""
    while True:
        answer = console.ask(console_themes_question(texts.themes.THEMES_FORM_FIELD, now, numbered))
        if answer is None:
            return
        if not answer.strip():
            console.say(texts.edge.CONSOLE_CANCELLED)
            return
        numbers = re.findall(r"\d+", answer)
        if numbers and re.fullmatch(r"[\d\s,;]+", answer):
            if all(1 <= int(n) <= len(request.theme_options) for n in numbers):
                result = console.service.submit_themes_form(
                    console.actor(), [request.theme_options[int(n) - 1] for n in numbers]
                )
            else:
                console.say(
                    texts.common.plain(texts.themes.themes_list_text(request.theme_options))
                )
                continue
        else:  # names, read as the command reads them
            reply = console.service.command(console.actor(), f"fagområder {answer}")
            result = reply if isinstance(reply, Reply) else FormErrors({})
        if isinstance(result, FormErrors):
            for message in result.errors.values():
                console.say(message)
            continue
        if result.result is not None and result.result.error is not None:
            console.show(result)  # refused: the list is in the answer; ask again
            continue
        console.show(result)
        return


def pick_themes(
    console: Console, question: str, options: tuple[str, ...], chosen: tuple[str, ...]
) -> list[str] | None:
    """The form's theme select as a question: the network's list, numbered. An empty answer
    keeps what was chosen; None when the input ended."""
    if not options:
        return list(chosen)
    numbered = "  ".join(f"[{i}] {t}" for i, t in enumerate(options, 1))
    now = f" [{', '.join(chosen)}]" if chosen else ""
    while True:
        answer = console.ask(console_pick_question(question, now, numbered))
        if answer is None:
            return None
        if not answer.strip():
            return list(chosen)
        numbers = [int(n) for n in re.findall(r"\d+", answer)]
        # Only the list's numbers: anything else is refused with the list, never dropped.
        if re.fullmatch(r"[\d\s,;]+", answer) and all(1 <= n <= len(options) for n in numbers):
            return [options[n - 1] for n in numbers]
        console.say(texts.common.plain(texts.themes.themes_list_text(options)))


def _ask_field(
    console: Console, form: MeetingForm, field: MeetingField, question: str, default: str
) -> MeetingForm | None:
    """One field of the meeting form, asked again at once until the service finds no problem
    with it (the same check as the modal's); the other answers are kept. None: input ended."""
    while True:
        answer = console.ask(f"{question}{f' [{default}]' if default else ''}: ")
        if answer is None:
            return None
        candidate = replace(form, **{_FORM_ATTRIBUTES[field]: answer.strip() or default})
        message = console.service.check_meeting_form(candidate).errors.get(field)
        if message is None:
            return candidate
        console.say(f"{texts.meetings.MEETING_FORM_FIELD_LABELS[field]}: {message}")


# The attribute of ``MeetingForm`` each asked field fills.
_FORM_ATTRIBUTES = {
    MeetingField.TITLE: "title",
    MeetingField.DATE: "date",
    MeetingField.TIME: "start",
    MeetingField.END: "end",
    MeetingField.FORMAT: "format",
    MeetingField.LINK: "link",
    MeetingField.LOCATION: "location",
}


def _questions(
    console: Console, request: MeetingFormRequest
) -> list[tuple[MeetingField, str, str]]:
    """(field, question, default) in the form's order, after the title."""
    example = short_day(example_days(console.service.today())[0])
    label = texts.meetings.FORMAT_LABELS.get(request.format, "")
    return [
        (
            MeetingField.DATE,
            f"{texts.meetings.MEETING_FORM_DATE} (fx {example})",
            request.date.strftime("%d.%m.%Y") if request.date else "",
        ),
        (MeetingField.TIME, f"{texts.meetings.MEETING_FORM_START} (fx 10:00)", request.start),
        (MeetingField.END, f"{texts.meetings.MEETING_FORM_END} (fx 12:00)", request.end),
        (
            MeetingField.FORMAT,
            f"{texts.meetings.MEETING_FORM_FORMAT}: online, fysisk eller hybrid",
            label,
        ),
        (MeetingField.LINK, texts.meetings.MEETING_FORM_LINK, request.link),
        (MeetingField.LOCATION, texts.meetings.MEETING_FORM_LOCATION, request.location),
    ]


def _answers(console: Console, request: MeetingFormRequest) -> MeetingForm | None:
    """The meeting's fields as questions, each checked as it is answered; None when cancelled
    or the input ended."""
    title = console.ask(f"Titel{f' [{request.title}]' if request.title else ''} (tom = annullér): ")
    if title is None or not (title.strip() or request.title):
        console.say(texts.edge.CONSOLE_CANCELLED)
        return None
    form = MeetingForm(title=title.strip() or request.title, date="", start="", end="", format="")
    for field, question, default in _questions(console, request):
        fmt = FORMAT_WORDS.get(fold(form.format))
        if field is MeetingField.LINK and not (fmt is not None and fmt.has_link):
            continue  # the link or the address is asked only when the format has it
        if field is MeetingField.LOCATION and not (fmt is not None and fmt.has_address):
            continue
        answered = _ask_field(console, form, field, question, default)
        if answered is None:
            return None
        form = answered
    themes = pick_themes(
        console, texts.meetings.MEETING_FORM_THEMES, request.theme_options, request.themes
    )
    if themes is None:
        return None
    fmt = FORMAT_WORDS.get(fold(form.format))
    return replace(form, themes=themes, format=fmt.value if fmt is not None else form.format)


def meeting_form(console: Console, request: MeetingFormRequest) -> None:
    form = _answers(console, request)
    if form is None:
        return
    while True:
        result = console.service.submit_meeting_form(console.actor(), request.number, form)
        if isinstance(result, FormErrors):  # what only the database knows (who may plan, …)
            for field, message in result.errors.items():
                console.say(f"{texts.meetings.MEETING_FORM_FIELD_LABELS.get(field, '')}: {message}")
            return
        if isinstance(result, Reply):
            console.show(result)
            return
        # The form came back with a warning (a weekend, another meeting at that time).
        console.say(texts.common.plain(result.warning))
        if (console.ask(texts.edge.CONSOLE_SAVE_ANYWAY) or "").casefold() not in ("j", "ja", "y"):
            console.say(texts.edge.CONSOLE_CANCELLED)
            return
        form = replace(form, go_ahead=result.go_ahead)
