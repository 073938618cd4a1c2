"""The forms as questions: registration (``tilmeld``) and a meeting (``møde opret``, ``møde ret``).
An empty answer to the first question cancels."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from bot import texts
from bot.domain.errors import DomainError, ErrorKind
from bot.domain.registration import Actor
from bot.models import MeetingFormat, SeatKind
from bot.replies import (
    FormErrors,
    MeetingFormRequest,
    RegistrationFormRequest,
    Reply,
    ThemesFormRequest,
)
from bot.service.klimanet import Klimanet, MeetingForm, RegistrationForm
from bot.service.parsing import FORMAT_WORDS, fold
from bot.texts.dates import example_days, short_day


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
        answer = console.ask(f"{texts.FORM_MUNICIPALITY} (navn eller kode, tom = annullér): ")
        if not answer:
            console.say(texts.CONSOLE_REGISTRATION_CANCELLED)
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(suggested):
            return suggested[int(answer) - 1]
        try:
            return directory.resolve(answer).code
        except DomainError as err:
            console.say(texts.plain(texts.error(err, console.service.today())))
            suggested = list(err.params.get("codes") or [])
            if suggested:
                names = "   ".join(
                    f"[{n}] {directory.name_of(code)}" for n, code in enumerate(suggested, 1)
                )
                console.say(f"{names}  {texts.CONSOLE_FORM_MUNICIPALITY_SUGGESTIONS}")


def _kind(console: Console) -> SeatKind | None | bool:
    """The seat kind (None: whatever is free); False when the input ended."""
    kinds = {"1": None, "2": SeatKind.FIXED, "3": SeatKind.FLEXIBLE, "": None}
    while True:
        answer = console.ask(
            f"{texts.FORM_KIND}: [1] {texts.FORM_KIND_AUTO}  [2] {texts.FORM_KIND_FIXED}  "
            f"[3] {texts.FORM_KIND_FLEXIBLE} (tom = 1): "
        )
        if answer is None:
            return False
        if answer in kinds:
            return kinds[answer]
        console.say(texts.CONSOLE_ANSWER_KIND)


def registration_form(console: Console, request: RegistrationFormRequest) -> None:
    console.say(texts.plain(texts.FORM_INTRO))
    code = _municipality(console)
    if code is None:
        return
    kind = _kind(console)
    if kind is False:
        return
    title = console.ask(f"{texts.FORM_TITLE_FIELD} ({texts.FORM_TITLE_PLACEHOLDER}, valgfri): ")
    if title is None:
        return
    themes = pick_themes(console, texts.FORM_THEMES, request.theme_options, ())
    if themes is None:
        return
    result = console.service.submit_registration_form(
        console.actor(),
        RegistrationForm(code, kind if isinstance(kind, SeatKind) else None, title, themes),
    )
    if isinstance(result, FormErrors):
        for message in result.errors.values():
            console.say(message)
    else:
        console.show(result)


def themes_form(console: Console, request: ThemesFormRequest) -> None:
    """One's fagområder as a question: the numbers, or the names as in ``fagområder``; "ingen"
    clears them, an empty answer keeps them. A wrong answer is asked again, with the list."""
    console.say(texts.plain(texts.THEMES_FORM_INTRO))
    numbered = "  ".join(f"[{i}] {t}" for i, t in enumerate(request.theme_options, 1))
    now = f" [{', '.join(request.themes)}]" if request.themes else ""
    while True:
        answer = console.ask(
            f"{texts.THEMES_FORM_FIELD}{now} – numre eller navne, 'ingen' fjerner dem, "
            f"tom = behold:\n{numbered}\n"
        )
        if answer is None:
            return
        if not answer.strip():
            console.say(texts.CONSOLE_CANCELLED)
            return
        numbers = re.findall(r"\d+", answer)
        if numbers and re.fullmatch(r"[\d\s,;]+", answer):
            if all(1 <= int(n) <= len(request.theme_options) for n in numbers):
                result = console.service.submit_themes_form(
                    console.actor(), [request.theme_options[int(n) - 1] for n in numbers]
                )
            else:
                console.say(texts.plain(texts.themes_list_text(request.theme_options)))
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
        answer = console.ask(f"{question}{now} – numre adskilt af komma, valgfri:\n{numbered}\n")
        if answer is None:
            return None
        if not answer.strip():
            return list(chosen)
        numbers = [int(n) for n in re.findall(r"\d+", answer)]
        # Only the list's numbers: anything else is refused with the list, never dropped.
        if re.fullmatch(r"[\d\s,;]+", answer) and all(1 <= n <= len(options) for n in numbers):
            return [options[n - 1] for n in numbers]
        console.say(texts.plain(texts.themes_list_text(options)))


def _format(console: Console, default: str) -> MeetingFormat | None:
    label = texts.FORMAT_LABELS.get(default, "")
    while True:
        answer = console.ask(
            f"{texts.MEETING_FORM_FORMAT}: online, fysisk eller hybrid"
            f"{f' [{label}]' if label else ''}: "
        )
        if answer is None:
            return None
        found = FORMAT_WORDS.get(fold(answer or label))
        if found is not None:
            return found
        console.say(texts.error(DomainError(ErrorKind.FORMAT_MISSING), console.service.today()))


def _place(console: Console, wanted: bool, question: str, default: str) -> str | None:
    """The link or the address, asked only when the format has it; None when input ended."""
    if not wanted:
        return ""
    answer = console.ask(f"{question}{f' [{default}]' if default else ''}: ")
    return None if answer is None else answer or default


def _answers(console: Console, request: MeetingFormRequest) -> MeetingForm | None:
    """The meeting's fields as questions; None when cancelled or the input ended."""
    title = console.ask(f"Titel{f' [{request.title}]' if request.title else ''} (tom = annullér): ")
    if title is None or not (title or request.title):
        console.say(texts.CONSOLE_CANCELLED)
        return None
    example = short_day(example_days(console.service.today())[0])
    answers = []
    for question, default in (
        (f"Dato (fx {example})", request.date.strftime("%d.%m.%Y") if request.date else ""),
        ("Start (fx 10:00)", request.start),
        ("Slut (fx 12:00)", request.end),
    ):
        answer = console.ask(f"{question}{f' [{default}]' if default else ''}: ")
        if answer is None:
            return None
        answers.append(answer or default)
    fmt = _format(console, request.format)
    if fmt is None:
        return None
    link = _place(console, fmt.has_link, texts.MEETING_FORM_LINK, request.link)
    location = _place(console, fmt.has_address, texts.MEETING_FORM_LOCATION, request.location)
    if link is None or location is None:
        return None
    themes = pick_themes(console, texts.MEETING_FORM_THEMES, request.theme_options, request.themes)
    if themes is None:
        return None
    return MeetingForm(
        title=title or request.title,
        date=answers[0],
        start=answers[1],
        end=answers[2],
        format=fmt.value,
        location=location,
        themes=themes,
        link=link,
    )


def meeting_form(console: Console, request: MeetingFormRequest) -> None:
    form = _answers(console, request)
    if form is None:
        return
    while True:
        result = console.service.submit_meeting_form(console.actor(), request.number, form)
        if isinstance(result, FormErrors):
            for message in result.errors.values():
                console.say(message)
            return
        if isinstance(result, Reply):
            console.show(result)
            return
        # The form came back with a warning (a weekend, another meeting at that time).
        console.say(texts.plain(result.warning))
        if (console.ask(texts.CONSOLE_SAVE_ANYWAY) or "").casefold() not in ("j", "ja", "y"):
            console.say(texts.CONSOLE_CANCELLED)
            return
        form = replace(form, go_ahead=result.go_ahead)
